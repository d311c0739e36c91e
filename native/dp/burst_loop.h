// The burst loop: what happens to a burst of packets from one port, top to bottom
// in burst_loop.cc —
//
//   rx burst (the port's driver) → count → per-port ingress stages → parse → key
//   → exact-match cache → pipeline (on a miss) → the program's ops: rewrites,
//   outputs, NORMAL, controller → per-port output queues → per-port egress stages
//   → one tx burst per output port → the input burst goes back to its driver
//
// Nothing in it allocates, locks or makes a syscall except the port drivers'
// bursts (and the controller path, which is rate-limited and gathers per burst).
// It owns no ports and no tables: the datapath hands it the port set, the
// pipeline, the MAC table and the counters, and drives it — from the thread's wait
// loop for live ports, from the replay driver for pcap ports, from commands for mem
// ports, ingest and packet-out.
//
// Cost, measured with `npm run bench` (replay-cache-hit, 2-core VM): ~98 ns per
// packet through NORMAL on a cache hit, of which ~66 ns is reading the trace,
// parsing and the lookup itself (the drop-only reference); the rest is running
// the program, NORMAL's MAC table and the output queues.
#pragma once

#include <cstdint>
#include <memory>

#include "core/counters.h"
#include "core/packet.h"
#include "dp/normal.h"
#include "dp/pipeline.h"
#include "dp/port_set.h"
#include "table/mac_table.h"

namespace nodeswitch {

class Captures;
class Upcalls;

class BurstLoop {
 public:
  BurstLoop(PortSet& ports, Pipeline& pipeline, MacTable& macs, BridgeCounters& counters, Upcalls& upcalls, Captures& captures);

  // Receives one burst from the port in `slot` and forwards it; returns how many
  // packets came. A driver that failed marks its port down.
  uint32_t poll(uint16_t slot);
  // Forwards `n` packets as if they had arrived on `in_slot` in one burst.
  void process(uint16_t in_slot, Packet* pkts, uint32_t n);
  // packet-out: runs `prog` on one packet from `in_slot` (kControllerSlot: from the
  // controller) and sends what it outputs.
  void run_one(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog);

  // Outputs, for the loop and the stages: queue `p` on one port, or on every usable
  // port but `except_slot`; send every queued packet.
  void enqueue(PortSlot& out, Packet* p) {
    if (out.txn == PortSlot::kTxQueue) transmit(out);
    out.txq[out.txn++] = p;
  }
  void flood(Packet* p, uint16_t except_slot);
  void flush_outputs();
  // A shaped port whose next frame is due: sends what its shaper lets go now.
  void service_shaper(PortSlot& out) { transmit(out); }

  // The datapath clock in seconds (MAC learning and aging), set between bursts.
  void set_now(uint32_t seconds) { now_ = seconds; }

 private:
  void begin_burst();
  void run_program(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog);
  void output_normal(Packet* p, uint16_t in_slot, const OfAction& op);
  void transmit(PortSlot& out);

  PortSet& ports_;
  Pipeline& pipeline_;
  MacTable& macs_;
  NormalMemo normal_memo_;
  BridgeCounters& counters_;
  Upcalls& upcalls_;
  Captures& captures_;
  uint64_t burst_ms_ = 0;  // the clock for flow counters, read once per burst
  uint32_t now_ = 0;
  // Software segmentation for outputs that take no offloads (slow path).
  static constexpr size_t kGsoScratch = 4 * kMaxFrame;
  static constexpr uint32_t kGsoMaxSegments = 512;
  std::unique_ptr<uint8_t[]> gso_scratch_;
  Packet gso_out_[kGsoMaxSegments];
};

}  // namespace nodeswitch
