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

#include "core/clock.h"
#include "core/counters.h"
#include "core/packet.h"
#include "dp/mirror.h"
#include "dp/normal.h"
#include "dp/pipeline.h"
#include "dp/port_set.h"
#include "dp/vlan_retag.h"
#include "table/mac_table.h"

namespace nodeswitch {

class Captures;
class MeterTable;
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
    if (mirrors_) pending_mirrors_ |= mirrors_->dst(out.slot);
  }
  // OpenFlow's FLOOD/ALL (NORMAL floods with flood_vlan). A flood goes once to each
  // bond (out of the member it picks for `key`; null: its active member), and not
  // back to the bond a member's input came from.
  void flood(Packet* p, uint16_t except_slot, const FlowKey* key = nullptr);
  void flush_outputs();
  // A shaped port whose next frame is due: sends what its shaper lets go now.
  void service_shaper(PortSlot& out) { transmit(out); }

  // Port mirroring (dp/mirror.h): set by the datapath; null or empty, no mirroring.
  void set_mirrors(MirrorSet* mirrors) { mirrors_ = mirrors; }
  // The mirrors selecting a port the current packet was queued on (select_dst_port).
  uint32_t pending_mirrors() const { return pending_mirrors_; }

  // The datapath clock in seconds (MAC learning and aging), set between bursts.
  void set_now(uint32_t seconds) { now_ = seconds; }
  // The burst's time in ns, for token buckets (policers, meters): read from the
  // monotonic clock on first use in a burst, so a bridge without them never reads it.
  uint64_t burst_ns() {
    if (!burst_ns_) burst_ns_ = now_ns();
    return burst_ns_;
  }
  // The meters kMeter ops index (meter_table.h); the datapath owns them.
  void set_meters(MeterTable* meters) { meters_ = meters; }

 private:
  void begin_burst();
  void run_program(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog);
  void run_ops(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog, bool queued);
  bool mirroring() const { return mirrors_ && mirrors_->any(); }
  // Sends the copies the current packet's destinations select, before its bytes change.
  bool emit_dst_mirrors(Packet* p, const FlowKey& key, uint16_t in_slot) {
    return mirrors_->emit(*this, p, key, mirror_vid_, in_slot, pending_mirrors_, &mirrors_done_);
  }
  void output_normal(Packet* p, const FlowKey& key, uint16_t in_slot, const OfAction& op);
  // NORMAL's outputs: to the ports that carry `vlan`, each as it carries it (vlan.h).
  void flood_vlan(Packet* p, uint16_t except_slot, uint16_t vlan, const FlowKey& key);
  void output_in_vlan(PortSlot& out, Packet* p, uint16_t vlan, const FlowKey& key);
  // The slot a packet output to `s` leaves by: `s`, or for a bond the member it
  // picks for `key` (the bond's own slot, which is down, when it has none).
  uint16_t output_slot(uint16_t s, const FlowKey* key) {
    if (s == kNoSlot || !ports_.has(s) || !ports_[s].bond) [[likely]]
      return s;
    uint16_t m = ports_[s].bond->choose(key);
    return m == Bond::kNoMember ? s : m;
  }
  void transmit(PortSlot& out);

  PortSet& ports_;
  Pipeline& pipeline_;
  MacTable& macs_;
  NormalMemo normal_memo_;
  BridgeCounters& counters_;
  Upcalls& upcalls_;
  Captures& captures_;
  MirrorSet* mirrors_ = nullptr;
  // The packet being run: the mirrors its outputs selected, those already sent, its VLAN as received.
  uint32_t pending_mirrors_ = 0, mirrors_done_ = 0;
  uint16_t mirror_vid_ = 0;
  uint64_t burst_ms_ = 0;  // the clock for flow counters, read once per burst
  uint64_t burst_ns_ = 0;  // 0: not read yet in this burst
  MeterTable* meters_ = nullptr;
  uint32_t now_ = 0;
  // Software segmentation for outputs that take no offloads (slow path).
  static constexpr size_t kGsoScratch = 4 * kMaxFrame;
  static constexpr uint32_t kGsoMaxSegments = 512;
  std::unique_ptr<uint8_t[]> gso_scratch_;
  Packet gso_out_[kGsoMaxSegments];
  VlanRetag retag_;  // NORMAL's re-tagged copies, until flush_outputs has sent them
};

}  // namespace nodeswitch
