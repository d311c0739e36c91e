// In-memory port: frames arrive by command (inject) and what the switch sends is
// kept for the test or benchmark to drain. It exercises the whole datapath without
// privileges or kernel devices. Injected frames may carry offload state (a partial
// checksum, a GSO super-frame) as a TAP's would; on output it takes no offloads, so
// the datapath finishes checksums and segments first, as it would for a pcap file.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "port/port.h"

namespace nodeswitch {

class MemPort final : public Port {
 public:
  using Frame = std::vector<uint8_t>;
  struct InFrame {
    Frame bytes;
    VnetHdr vnet;
  };

  int fd() const override { return -1; }
  int ifindex() const override { return 0; }
  uint32_t rx_burst(Packet* out, uint32_t max, PortCounters& c) override;
  void release_rx() override;
  void tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) override;
  bool accepts_offloads() const override { return false; }

  void inject(std::vector<InFrame>&& frames);
  bool rx_pending() const { return !rx_queue_.empty(); }
  std::vector<Frame> drain();

 private:
  std::deque<InFrame> rx_queue_;
  std::vector<Frame> in_flight_;  // the burst handed out, freed at release_rx
  std::vector<Frame> sent_;
};

}  // namespace nodeswitch
