#include "dp/stages/bare_forward.h"

#include "dp/burst_loop.h"
#include "dp/port_slot.h"

namespace nodeswitch {

uint32_t BareForward::run(BurstLoop& loop, PortSlot& in, Packet* pkts, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) loop.flood(&pkts[i], in.slot);
  return 0;
}

}  // namespace nodeswitch
