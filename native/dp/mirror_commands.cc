// The datapath's mirror commands (dp/mirror.h): between bursts, like every command.
#include "dp/datapath.h"

namespace nodeswitch {

void Datapath::set_mirrors(std::vector<MirrorConfig> mirrors) {
  mirrors_.configure(std::move(mirrors));
  // A mirror's output port is no station: what was learned on it goes (OVS learns nothing there).
  for (uint16_t slot : mirrors_.output_slots()) macs_.flush_slot(slot);
}

}  // namespace nodeswitch
