#include "dp/burst_loop.h"

#include <cstring>

#include "core/checksum.h"
#include "core/clock.h"
#include "core/gso.h"
#include "dp/capture.h"
#include "dp/meter_table.h"
#include "dp/packet_edit.h"
#include "dp/upcalls.h"
#include "parse/flow_key.h"

namespace nodeswitch {

BurstLoop::BurstLoop(PortSet& ports, Pipeline& pipeline, MacTable& macs, BridgeCounters& counters, Upcalls& upcalls,
                     Captures& captures)
    : ports_(ports),
      pipeline_(pipeline),
      macs_(macs),
      counters_(counters),
      upcalls_(upcalls),
      captures_(captures),
      gso_scratch_(new uint8_t[kGsoScratch]) {}

// ---- in ----------------------------------------------------------------------

uint32_t BurstLoop::poll(uint16_t slot) {
  PortSlot& in = ports_[slot];
  Packet pkts[kBurst];
  uint32_t n = in.port->rx_burst(pkts, kBurst, in.counters);
  if (n > 0) process(slot, pkts, n);
  in.port->release_rx();
  if (in.port->failed()) {
    ports_.mark_down(slot, "device removed");
    return 0;
  }
  if (n < kBurst) in.ready = false;
  return n;
}

void BurstLoop::begin_burst() {
  burst_ms_ = now_ms();
  burst_ns_ = 0;
  captures_.stamp_burst();
}

// Every packet of the burst through the pipeline — a microflow cache hit in the
// common case — queued on its output ports; then one tx burst per output port.
void BurstLoop::process(uint16_t in_slot, Packet* pkts, uint32_t n) {
  PortSlot& in = ports_[in_slot];
  begin_burst();
  for (uint32_t i = 0; i < n; i++) {
    pkts[i].in_slot = in_slot;
    pkts[i].queue = 0;
    in.counters.rx_packets++;
    in.counters.rx_bytes += pkts[i].len;
  }
  // The port's own ingress stages (stages/ingress.h): VLAN, policing, mirror
  // selection. They keep what goes on at the front of the burst.
  for (auto& stage : in.ingress) {
    if (n == 0) break;
    n = stage->run(*this, in, pkts, n);
  }
  // A bond member's input (what its BondRx stage kept) is the bond's: the bond's
  // stages, ofport, capture and slot for learning.
  uint16_t via_slot = in.bond_slot == kNoSlot ? in_slot : in.bond_slot;
  PortSlot& via = ports_[via_slot];
  if (&via != &in) {
    for (auto& stage : via.ingress) {
      if (n == 0) break;
      n = stage->run(*this, via, pkts, n);
    }
  }
  FlowKey key;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = &pkts[i];
    ParseStatus status = parse_flow_key(p->data, p->len, &key);
    if (status == ParseStatus::kRunt) {
      counters_.drop_runt++;
      in.counters.rx_errors++;
      continue;
    }
    if (status == ParseStatus::kBadL3) counters_.parse_errors++;
    if (via.capture && via.capture->in) captures_.write(via, p);
    key.in_port = openflow_port(via.ofport);
    run_program(p, &key, via_slot, pipeline_.lookup(key, burst_ms_));
  }
  flush_outputs();
  upcalls_.publish();
}

void BurstLoop::run_one(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog) {
  begin_burst();
  run_program(p, key, in_slot, prog);
  flush_outputs();
  upcalls_.publish();
}

// ---- the program ---------------------------------------------------------------

// Runs a compiled program on one packet, with its mirror copies around it: the
// source mirrors' copy of the frame as received first, then the destination
// mirrors' of the frame as output (dp/mirror.h).
void BurstLoop::run_program(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog) {
  if (!mirroring()) {
    run_ops(p, key, in_slot, prog, false);
    return;
  }
  // select_vlan sees the VLAN as NORMAL does: the input port's VLAN of the VID received (vlan.h).
  const uint16_t vid = key->vlan_tci & kVlanPresent ? key->vlan_tci & 0x0fff : 0;
  mirror_vid_ = ports_.has(in_slot) ? ports_[in_slot].vlan.input_vlan(vid) : vid;
  mirrors_done_ = 0;
  pending_mirrors_ = 0;
  uint32_t src = mirrors_->src(in_slot);
  // A SPAN copy is the packet itself, queued: a rewrite must send it first.
  bool queued = src && mirrors_->emit(*this, p, *key, mirror_vid_, in_slot, src, &mirrors_done_);
  pending_mirrors_ = 0;
  run_ops(p, key, in_slot, prog, queued);
  if (pending_mirrors_ & ~mirrors_done_) emit_dst_mirrors(p, *key, in_slot);
}

// Runs a compiled program's ops on one packet. `key` is the packet's own key, kept
// in step by the rewrites (they need its header offsets).
// `queued`: the packet already sits in an output queue (a mirror copy).
void BurstLoop::run_ops(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog, bool queued) {
  if (Megaflow* mf = prog.megaflow) {
    // The megaflow's counts reach its rules when someone reads them (push_stats).
    mf->n_packets++;
    mf->n_bytes += p->len;
    mf->used_ms = burst_ms_;
  } else {
    for (uint32_t c = 0; c < prog.n_credit; c++) {
      prog.credits[c]->n_packets++;
      prog.credits[c]->n_bytes += p->len;
      prog.credits[c]->last_used_ms = burst_ms_;
    }
    for (uint32_t c = 0; c < prog.n_group_credit; c++) {
      prog.group_credits[c]->n_packets++;
      prog.group_credits[c]->n_bytes += p->len;
    }
  }
  if (prog.n_ops == 0) {
    if (prog.table_miss) counters_.table_miss++;
    return;
  }
  const OfAction* ops = prog.ops;
  // `queued`: the packet sits in an output queue, so copy-free edits must wait.
  uint8_t remark = 0;  // kMeter: the dscp_remark band's prec_level
  for (uint32_t i = 0; i < prog.n_ops; i++) {
    const OfAction& op = ops[i];
    switch (op.code) {
      case OpCode::kOutput: {
        uint16_t s = output_slot(ports_.slot_of(op.port), key);
        if (s != kNoSlot && ports_[s].usable()) {
          enqueue(ports_[s], p);
          queued = true;
        } else {
          (s == kNoSlot ? counters_.drop_no_port : counters_.drop_port_down)++;
        }
        continue;
      }
      case OpCode::kInPort: {
        uint16_t s = output_slot(ports_.slot_of(op.port), key);  // the pipeline's in_port, maybe not the ingress
        if (s != kNoSlot && ports_[s].usable()) enqueue(ports_[s], p), queued = true;
        else (s == kNoSlot ? counters_.drop_no_port : counters_.drop_port_down)++;
        continue;
      }
      case OpCode::kNormal: output_normal(p, *key, in_slot, op), queued = true; continue;
      case OpCode::kFlood:
      case OpCode::kAll: flood(p, in_slot, key), queued = true; continue;
      case OpCode::kLocal: {
        uint16_t s = ports_.slot_of(kOfppLocal);
        if (s == kNoSlot || s == in_slot) counters_.drop_no_port++;  // none, or the packet came from it
        else if (!ports_[s].usable()) counters_.drop_port_down++;
        else enqueue(ports_[s], p), queued = true;
        continue;
      }
      case OpCode::kController: upcalls_.send(p, *key, op); continue;
      case OpCode::kMeter: {
        // The bucket is checked per packet (meter_table.h); the op is cached.
        MeterVerdict v = meters_ ? meters_->apply(op.port, p->len, burst_ns()) : MeterVerdict{MeterVerdict::kDrop, 0};
        if (v.kind == MeterVerdict::kDrop) return;
        if (v.kind == MeterVerdict::kPass) continue;
        remark = v.prec_level;
        break;  // kRemark: a rewrite, below
      }
      default: break;
    }
    // A rewrite. Frames already queued share these bytes: send them first. Only a
    // rule that outputs, rewrites and outputs again pays this.
    if (queued) {
      if (mirroring() && (pending_mirrors_ & ~mirrors_done_)) emit_dst_mirrors(p, *key, in_slot);
      flush_outputs();
      queued = false;
    }
    switch (op.code) {
      case OpCode::kSetEthSrc: edit_eth_src(p, key, *reinterpret_cast<const MacAddr*>(op.bytes)); break;
      case OpCode::kSetEthDst: edit_eth_dst(p, key, *reinterpret_cast<const MacAddr*>(op.bytes)); break;
      case OpCode::kSetVlanVid: edit_vlan_vid(p, key, uint16_t(op.u32)); break;
      case OpCode::kSetVlanPcp: edit_vlan_pcp(p, key, uint8_t(op.u32)); break;
      case OpCode::kPushVlan: edit_push_vlan(p, key, uint16_t(op.u32)); break;
      case OpCode::kPopVlan: edit_pop_vlan(p, key); break;
      case OpCode::kSetIpv4Src: edit_ipv4_src(p, key, op.u32); break;
      case OpCode::kSetIpv4Dst: edit_ipv4_dst(p, key, op.u32); break;
      case OpCode::kSetIpv6Src: edit_ipv6_src(p, key, op.bytes); break;
      case OpCode::kSetIpv6Dst: edit_ipv6_dst(p, key, op.bytes); break;
      case OpCode::kSetIpDscp: edit_ip_dscp(p, key, uint8_t(op.u32)); break;
      case OpCode::kSetIpEcn: edit_ip_ecn(p, key, uint8_t(op.u32)); break;
      case OpCode::kSetIpTtl: edit_ip_ttl(p, key, uint8_t(op.u32)); break;
      case OpCode::kDecTtl:
        if (!edit_dec_ttl(p, key)) {
          counters_.invalid_ttl++;
          return;
        }
        break;
      case OpCode::kSetTpSrc: edit_tp_src(p, key, uint16_t(op.u32)); break;
      case OpCode::kSetTpDst: edit_tp_dst(p, key, uint16_t(op.u32)); break;
      case OpCode::kMeter: {  // a dscp_remark band applied
        if (!(key->l3_ofs != kOfsAbsent && (key->dl_type == 0x0800 || key->dl_type == 0x86dd))) break;
        uint8_t dscp = uint8_t(key->nw_tos >> 2);
        uint8_t to = MeterTable::remarked_dscp(dscp, remark);
        if (to != dscp) edit_ip_dscp(p, key, to);
        break;
      }
      case OpCode::kSetQueue: p->queue = uint8_t(op.u32); break;  // frames queued before keep theirs
      default: break;
    }
  }
}

void BurstLoop::output_normal(Packet* p, const FlowKey& key, uint16_t in_slot, const OfAction& op) {
  if (op.u32 == kVlanInvalid) {  // a VID the ingress port does not carry (vlan.h)
    counters_.drop_vlan++;
    return;
  }
  const uint16_t vlan = uint16_t(op.u32);
  MacAddr src, dst;
  std::memcpy(src.b, op.bytes, 6);
  std::memcpy(dst.b, op.bytes + 6, 6);
  // Learn on the port the pipeline says the packet came in on (resubmit may change it).
  bool real_in = ports_.has(in_slot);
  uint16_t learn_slot = real_in && op.port == openflow_port(ports_[in_slot].ofport) ? in_slot : ports_.slot_of(op.port);
  // A mirror's output port is not a station: nothing from it is learned or forwarded.
  if (mirroring() && mirrors_->is_output(learn_slot)) return;
  NormalDecision d;
  if (learn_slot == kNoSlot) {
    // From the controller (packet-out): nothing to learn, just look the destination up.
    uint16_t out = dst.is_multicast() ? MacTable::kNoSlot : macs_.lookup(dst, vlan);
    d = out == MacTable::kNoSlot ? NormalDecision{NormalDecision::kFlood, 0} : NormalDecision{NormalDecision::kUnicast, out};
  } else {
    d = normal_decide(src, dst, vlan, learn_slot, now_, macs_, counters_, normal_memo_);
  }
  if (d.kind == NormalDecision::kUnicast) {
    if (!ports_.has(d.out_slot) || !ports_[d.out_slot].usable()) counters_.drop_port_down++;
    else if (!ports_[d.out_slot].vlan.includes(vlan)) counters_.drop_vlan++;  // learned before a set-port
    else if (!(mirroring() && mirrors_->is_output(d.out_slot))) output_in_vlan(ports_[d.out_slot], p, vlan, key);
  } else if (d.kind == NormalDecision::kFlood) {
    flood_vlan(p, learn_slot, vlan, key);
  }
}

// Once to each port of the VLAN — a bond once, not back to the bond the input came
// from; members go through their bond — but never to a mirror's output port.
void BurstLoop::flood_vlan(Packet* p, uint16_t except_slot, uint16_t vlan, const FlowKey& key) {
  if (ports_.has(except_slot) && ports_[except_slot].bond_slot != kNoSlot) except_slot = ports_[except_slot].bond_slot;
  const bool skip_mirror_outputs = mirroring();
  for (uint16_t o : ports_.active()) {
    PortSlot& out = ports_[o];
    if (o == except_slot || !out.usable() || out.bond_slot != kNoSlot || !out.vlan.includes(vlan)) continue;
    if (skip_mirror_outputs && mirrors_->is_output(o)) continue;
    output_in_vlan(out, p, vlan, key);
  }
}

// `out` carries `vlan`; the frame leaves with the VID `out` sends it with, by the
// member `out` picks for `key` when it is a bond.
void BurstLoop::output_in_vlan(PortSlot& out, Packet* p, uint16_t vlan, const FlowKey& key) {
  const uint16_t via = output_slot(out.slot, &key);
  if (!ports_[via].usable()) {
    counters_.drop_port_down++;
    return;
  }
  uint16_t vid = out.vlan.output_vid(vlan);
  Packet* q = retag_.retag(p, vid);
  if (!q) {  // the scratch is full: send what holds it, then there is room
    flush_outputs();
    q = retag_.retag(p, vid);
    if (!q) {
      out.counters.tx_errors++;
      return;
    }
  }
  enqueue(ports_[via], q);
}

// ---- out ---------------------------------------------------------------------

void BurstLoop::flood(Packet* p, uint16_t except_slot, const FlowKey* key) {
  if (ports_.has(except_slot) && ports_[except_slot].bond_slot != kNoSlot) except_slot = ports_[except_slot].bond_slot;
  for (uint16_t o : ports_.active()) {
    const PortSlot& s = ports_[o];
    if (o == except_slot || !s.usable() || s.bond_slot != kNoSlot) continue;  // members: through their bond
    uint16_t out = s.bond ? output_slot(o, key) : o;
    if (ports_[out].usable()) enqueue(ports_[out], p);
  }
}

void BurstLoop::flush_outputs() {
  for (uint16_t o : ports_.active()) {
    if (ports_[o].txn) transmit(ports_[o]);
  }
  retag_.reset();  // nothing queued points at the copies any more
  if (mirrors_) mirrors_->outputs_flushed();
}

void BurstLoop::transmit(PortSlot& out) {
  // The port's own egress stages (stages/egress.h): VLAN, shaping, mirror output,
  // tunnel encapsulation. They keep what goes to the device at the front of the queue.
  uint32_t n = out.txn;
  // A bond member's output is the bond's: the bond's stages and capture come first.
  PortSlot& as = out.bond_slot == kNoSlot ? out : ports_[out.bond_slot];
  if (&as != &out) {
    for (auto& stage : as.egress) {
      if (n == 0) break;
      n = stage->run(*this, as, out.txq, n);
    }
  }
  for (auto& stage : out.egress) {
    if (n == 0) break;
    n = stage->run(*this, out, out.txq, n);
  }
  out.txn = 0;
  // A shaped port's queues take the frames and give back what may leave now (stages/shaper.h).
  if (out.shaper) {
    n = out.shaper->run(out.txq, n, PortSlot::kTxQueue, now_ns());
    if (n == 0) return;
  }
  if (as.capture && as.capture->out) {
    for (uint32_t i = 0; i < n && as.capture; i++) captures_.write(as, out.txq[i]);
  }
  if (out.port->accepts_offloads()) {
    out.port->tx_burst(out.txq, n, out.counters);
    return;
  }
  // Finish what a device would have: checksums in place (right for every port the
  // packet goes to), super-frames segmented into scratch. Frames keep their order.
  uint32_t start = 0;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = out.txq[i];
    bool gso = p->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE;
    if (!gso && finish_checksum(p)) continue;
    out.port->tx_burst(out.txq + start, i - start, out.counters);
    start = i + 1;
    uint32_t segs_n = gso ? gso_segment(*p, gso_scratch_.get(), kGsoScratch, gso_out_, kGsoMaxSegments) : 0;
    if (segs_n == 0) {
      out.counters.tx_errors++;
      continue;
    }
    Packet* segs[kBurst];
    for (uint32_t k = 0; k < segs_n; k += kBurst) {
      uint32_t m = segs_n - k < kBurst ? segs_n - k : kBurst;
      for (uint32_t j = 0; j < m; j++) segs[j] = &gso_out_[k + j];
      out.port->tx_burst(segs, m, out.counters);
    }
  }
  out.port->tx_burst(out.txq + start, n - start, out.counters);
}

}  // namespace nodeswitch
