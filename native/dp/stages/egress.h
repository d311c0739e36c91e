// Per-port egress stages: what a port does to its output before the device gets
// it — VLAN (pop the access tag, tag the native VLAN), shaping (hold or drop over
// the rate), mirror output, tunnel encapsulation. Each PortSlot has an ordered list
// of them (PortSlot::egress, empty for a plain port); the burst loop runs the list
// on the port's output queue when it flushes it, before capture and the device's
// tx burst (BurstLoop::transmit, dp/burst_loop.cc).
//
// Contract. run() gets the port's queue and returns how many of its entries go to
// the device (now queue[0..n), in order); the others are dropped, counted by the
// stage. The packets are NOT the stage's to edit: a flooded packet sits in several
// ports' queues at once and they all share its bytes. A stage that changes bytes
// (a tag, an outer header) writes a copy into memory it owns — a scratch area in
// the stage object sized for a burst — and puts a pointer to that copy in the
// queue entry. The copy must stay valid until the next run() on this port: the
// device's tx burst reads it after the stage returns.
//
// Same rules as ingress stages: datapath thread, per burst, no allocation, lock,
// syscall or N-API call; state per port in the stage object, owned by the slot.
#pragma once

#include <cstdint>

#include "core/packet.h"

namespace nodeswitch {

class BurstLoop;
struct PortSlot;

class EgressStage {
 public:
  virtual ~EgressStage() = default;
  // Returns how many queue entries go to the device (now queue[0..n)).
  virtual uint32_t run(BurstLoop& loop, PortSlot& out, Packet** queue, uint32_t n) = 0;
};

}  // namespace nodeswitch
