// Per-port ingress stages: what a port does to its own input before the pipeline
// sees it — VLAN access/trunk processing (push the access tag, drop a VLAN the port
// does not carry), policing (drop over the rate), mirror selection (queue a copy for
// the mirror's output port). Each PortSlot has an ordered list of them
// (PortSlot::ingress, empty for a plain port); the burst loop runs the list on
// every received burst, after counting it and before parsing
// (BurstLoop::process, dp/burst_loop.cc).
//
// Contract. run() gets the burst as it came from the port driver and leaves every
// packet in one of three states: kept — moved to the front of `pkts`, in order, and
// counted in the return value; queued — handed to an output with loop.enqueue() or
// loop.flood(); or dropped — simply not kept (the bytes belong to the input port,
// which reuses them when the burst is done), and counted in the stage's or the
// bridge's counters. A kept packet may be edited in place (push or pop a tag in its
// headroom: it belongs to this burst alone until it is queued). A stage that
// returns 0 ends the burst; the rest of the list does not run.
//
// A stage runs on the datapath thread, per burst: no allocation, lock, syscall or
// N-API call; state per port lives in the stage object (a policer's bucket), which
// the port's slot owns. A stage that changes what the pipeline's key will hold (a
// pushed access tag) does so before parse, so the caches see the packet as the
// pipeline does.
#pragma once

#include <cstdint>

#include "core/packet.h"

namespace nodeswitch {

class BurstLoop;
struct PortSlot;

class IngressStage {
 public:
  virtual ~IngressStage() = default;
  // Returns how many packets go on (now pkts[0..n)).
  virtual uint32_t run(BurstLoop& loop, PortSlot& in, Packet* pkts, uint32_t n) = 0;
};

}  // namespace nodeswitch
