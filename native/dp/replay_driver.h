// Offline replay (nodeswitch replay): pcap ports replay their input files through
// the burst loop, as fast as it goes, on the datapath thread, inside one command.
// The driver only feeds the loop — one burst per input port in turn, so several
// traces interleave as live ports would — and keeps its progress; forwarding is the
// burst loop's, exactly as for live traffic. Outputs keep each input record's time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "dp/burst_loop.h"
#include "dp/port_set.h"
#include "dp/upcalls.h"
#include "port/pcap_port.h"

namespace nodeswitch {

struct ReplayResult {
  uint64_t packets = 0;     // records read from every input, all passes
  uint64_t elapsed_ns = 0;  // wall time of the replay loop
  uint64_t truncated = 0;   // snapped records skipped
  uint64_t oversize = 0;    // records longer than a frame can be, skipped
};

class ReplayDriver {
 public:
  ReplayDriver(PortSet& ports, BurstLoop& loop, Upcalls& upcalls) : ports_(ports), loop_(loop), upcalls_(upcalls) {}

  // Adds a pcap port whose outputs carry their input records' times; validates its input file whole and
  // creates its output. Returns how many records its input will deliver (all
  // passes), for progress.
  uint64_t add_port(const std::string& name, uint16_t ofport, const PcapPort::Options& options);
  // Runs every input to its end. Packets for the controller go to the pcap file
  // `controller_out` ("" for none) instead of up to JS. Throws on a write error.
  ReplayResult run(const std::string& controller_out);
  // Records read so far by the running replay (any thread may read it).
  uint64_t progress() const { return progress_.load(std::memory_order_relaxed); }

 private:
  PortSet& ports_;
  BurstLoop& loop_;
  Upcalls& upcalls_;
  std::atomic<uint64_t> progress_{0};
};

}  // namespace nodeswitch
