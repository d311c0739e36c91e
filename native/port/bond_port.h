// The device of a bond's own port slot. A bond has no device of its own — its
// members (ordinary afpacket ports) do the I/O, and the burst loop sends what is
// output to the bond out of the member the bond picks (dp/bond.h) — so this driver
// has no fd, receives nothing, and counts anything sent to it as dropped: nothing
// should be.
#pragma once

#include "port/port.h"

namespace nodeswitch {

class BondPort : public Port {
 public:
  int fd() const override { return -1; }
  int ifindex() const override { return 0; }
  uint32_t rx_burst(Packet*, uint32_t, PortCounters&) override { return 0; }
  void release_rx() override {}
  void tx_burst(Packet* const*, uint32_t n, PortCounters& c) override { c.tx_dropped += n; }
  bool accepts_offloads() const override { return true; }
};

}  // namespace nodeswitch
