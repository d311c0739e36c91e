#include "port/open_port.h"

#include "port/af_packet_port.h"
#include "port/bond_port.h"
#include "port/mem_port.h"
#include "port/port_monitor.h"
#include "port/tap_port.h"

namespace nodeswitch {

OpenedPort open_port(PortType type, const std::string& name, const PcapPort::Options* pcap, const TapPort::Options* tap) {
  OpenedPort o;
  switch (type) {
    case PortType::kAfPacket:
      o.port = std::make_unique<AfPacketPort>(name);
      o.link_up = netdev_running(name);
      break;
    case PortType::kTap: o.port = std::make_unique<TapPort>(*tap); break;
    case PortType::kMem: o.port = std::make_unique<MemPort>(); break;
    case PortType::kPcap: o.port = std::make_unique<PcapPort>(*pcap); break;
    case PortType::kBond: o.port = std::make_unique<BondPort>(); break;
  }
  return o;
}

}  // namespace nodeswitch
