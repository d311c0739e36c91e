// The VLAN commands of the datapath's command surface (dp/vlan.h has the rules).
#include <stdexcept>
#include <string>

#include "dp/datapath.h"

namespace nodeswitch {

void Datapath::set_port_vlan(uint16_t ofport, const PortVlan& vlan) {
  if (vlan.mode != VlanMode::kTrunk && (vlan.tag < 1 || vlan.tag > 4094)) {
    throw std::runtime_error("tag must be a VLAN id from 1 to 4094 for vlan_mode " +
                             std::string(kVlanModeNames[size_t(vlan.mode)]));
  }
  if (vlan.mode == VlanMode::kAccess && !vlan.all_trunks) throw std::runtime_error("vlan_mode access takes no trunks");
  PortSlot& port = require_port(ofport);
  port.vlan = vlan;
  // Learned (VLAN, MAC) → port entries and NORMAL's cached VLAN decisions for this
  // port are from the old configuration (Open vSwitch flushes both too).
  macs_.flush_slot(port.slot);
  pipeline_.flush_megaflows();
}

}  // namespace nodeswitch
