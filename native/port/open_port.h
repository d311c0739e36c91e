// The one place that turns a port type into a driver. A new port type (a tunnel)
// is: a line in port_type.h, a driver file beside the others here (implementing
// port.h's Port), and a case below.
#pragma once

#include <memory>
#include <string>

#include "port/pcap_port.h"
#include "port/port.h"
#include "port/port_type.h"
#include "port/tap_port.h"

namespace nodeswitch {

struct OpenedPort {
  std::unique_ptr<Port> port;
  bool link_up = true;  // afpacket: whether the netdev is up and has carrier now
};

// Opens the device or file; throws std::runtime_error with the reason. `pcap` is
// the kPcap port's files, `tap` the kTap port's options (each ignored for the other types).
OpenedPort open_port(PortType type, const std::string& name, const PcapPort::Options* pcap, const TapPort::Options* tap);

}  // namespace nodeswitch
