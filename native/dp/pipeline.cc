#include "dp/pipeline.h"

#include <algorithm>
#include <cstring>

namespace nodeswitch {

namespace {

uint64_t metadata_of(const FlowKey& k) { return uint64_t(k.metadata_hi) << 32 | k.metadata_lo; }

void set_metadata(FlowKey& k, uint64_t v) {
  k.metadata_hi = uint32_t(v >> 32);
  k.metadata_lo = uint32_t(v);
}

bool tcp_or_udp(const FlowKey& k) {
  return k.l4_ofs != kOfsAbsent && !(k.nw_frag & kNwFragLater) && (k.nw_proto == 6 || k.nw_proto == 17);
}

// What a rewrite does to the key, mirroring packet_edit.cc on the packet, so that
// later lookups see the packet as it will be. Returns false when the packet is
// dropped here (dec_ttl at 1 or 0).
bool apply_to_key(FlowKey& k, const OfAction& a) {
  bool ip4 = k.dl_type == 0x0800 && k.l3_ofs != kOfsAbsent;
  bool ip6 = k.dl_type == 0x86dd && k.l3_ofs != kOfsAbsent;
  switch (a.code) {
    case OpCode::kSetEthSrc: std::memcpy(k.dl_src.b, a.bytes, 6); break;
    case OpCode::kSetEthDst: std::memcpy(k.dl_dst.b, a.bytes, 6); break;
    case OpCode::kSetVlanVid:
      if (k.vlan_tci & kVlanPresent) k.vlan_tci = uint16_t((k.vlan_tci & 0xf000) | (a.u32 & 0x0fff));
      break;
    case OpCode::kSetVlanPcp:
      if (k.vlan_tci & kVlanPresent) k.vlan_tci = uint16_t((k.vlan_tci & 0x1fff) | ((a.u32 & 7) << 13));
      break;
    case OpCode::kPushVlan:
      k.inner_vlan_tci = k.vlan_tci;
      k.inner_vlan_tpid = k.vlan_tpid;
      k.vlan_tci = kVlanPresent;  // VID 0, PCP 0: as packet_edit.cc pushes it
      k.vlan_tpid = uint16_t(a.u32);
      break;
    case OpCode::kPopVlan:
      if (k.vlan_tci & kVlanPresent) {
        k.vlan_tci = k.inner_vlan_tci;
        k.vlan_tpid = k.inner_vlan_tpid;
        k.inner_vlan_tci = k.inner_vlan_tpid = 0;
      }
      break;
    case OpCode::kSetIpv4Src:
      if (ip4) k.nw_src = a.u32;
      break;
    case OpCode::kSetIpv4Dst:
      if (ip4) k.nw_dst = a.u32;
      break;
    case OpCode::kSetIpv6Src:
      if (ip6) std::memcpy(k.ipv6_src, a.bytes, 16);
      break;
    case OpCode::kSetIpv6Dst:
      if (ip6) std::memcpy(k.ipv6_dst, a.bytes, 16);
      break;
    case OpCode::kSetIpDscp:
      if (ip4 || ip6) k.nw_tos = uint8_t((a.u32 << 2) | (k.nw_tos & 3));
      break;
    case OpCode::kSetIpEcn:
      if (ip4 || ip6) k.nw_tos = uint8_t((k.nw_tos & 0xfc) | (a.u32 & 3));
      break;
    case OpCode::kSetIpTtl:
      if (ip4 || ip6) k.nw_ttl = uint8_t(a.u32);
      break;
    case OpCode::kDecTtl:
      if (ip4 || ip6) {
        if (k.nw_ttl <= 1) return false;
        k.nw_ttl--;
      }
      break;
    case OpCode::kSetTpSrc:
      if (tcp_or_udp(k)) k.tp_src = uint16_t(a.u32);
      break;
    case OpCode::kSetTpDst:
      if (tcp_or_udp(k)) k.tp_dst = uint16_t(a.u32);
      break;
    case OpCode::kSetInPort: k.in_port = a.u32; break;
    case OpCode::kSetMetadata: set_metadata(k, (metadata_of(k) & ~a.u64b) | (a.u64 & a.u64b)); break;
    default: break;
  }
  return true;
}

// OpenFlow 1.3's order for the action set (5.10): pop, push, dec TTL, set, output.
int action_set_rank(OpCode c) {
  switch (c) {
    case OpCode::kPopVlan: return 0;
    case OpCode::kPushVlan: return 1;
    case OpCode::kDecTtl: return 2;
    case OpCode::kOutput:
    case OpCode::kInPort:
    case OpCode::kNormal:
    case OpCode::kFlood:
    case OpCode::kAll:
    case OpCode::kLocal:
    case OpCode::kController: return 4;
    default: return 3;
  }
}

}  // namespace

void Pipeline::sync_generation() {
  if (generation_ == tables_.generation() && programs_.size() < kMaxPrograms) return;
  generation_ = tables_.generation();
  last_valid_ = false;
  programs_.clear();
  ops_.clear();
  credits_.clear();
  cache_.invalidate_all();
}

const Program& Pipeline::lookup(const FlowKey& key) {
  sync_generation();
  if (last_valid_ && std::memcmp(&key, &last_key_, sizeof key) == 0) {
    last_hits_++;
    return programs_[last_index_];
  }
  uint32_t hash = cache_.hash(key);
  const uint32_t* index = cache_.find(key, hash);
  if (!index) {
    programs_.push_back(translate(key, nullptr));
    cache_.insert(key, hash, uint32_t(programs_.size() - 1));
  }
  last_index_ = index ? *index : uint32_t(programs_.size() - 1);
  last_key_ = key;
  last_valid_ = true;
  return programs_[last_index_];
}

Program Pipeline::trace(const FlowKey& key, std::vector<TraceStep>* steps) {
  sync_generation();
  return translate(key, steps);
}

Program Pipeline::translate(const FlowKey& key, std::vector<TraceStep>* steps) {
  Program p;
  p.first_op = uint32_t(ops_.size());
  p.first_credit = uint32_t(credits_.size());
  Xlate x;
  x.key = key;
  x.steps = steps;
  table(x, 0);
  if (!x.dropped) action_set(x);
  p.n_ops = uint32_t(ops_.size()) - p.first_op;
  p.n_credit = uint32_t(credits_.size()) - p.first_credit;
  p.table_miss = x.miss;
  return p;
}

Program Pipeline::translate_actions(const FlowKey& key, const std::vector<OfAction>& list) {
  sync_generation();
  Program p;
  p.first_op = uint32_t(ops_.size());
  p.first_credit = uint32_t(credits_.size());
  Xlate x;
  x.key = key;
  actions(x, list.data(), list.size(), 0, 0);
  p.n_ops = uint32_t(ops_.size()) - p.first_op;
  p.n_credit = uint32_t(credits_.size()) - p.first_credit;
  return p;
}

void Pipeline::table(Xlate& x, uint8_t t) {
  if (x.dropped) return;
  FlowEntry* e = tables_.lookup(t, x.key);
  if (x.steps) x.steps->push_back({t, x.depth, e ? e->id : 0, x.key});
  if (!e) {
    x.miss = true;  // OpenFlow 1.3 without a table-miss flow: drop
    return;
  }
  credits_.push_back(e);
  bool outer_miss_flow = x.in_miss_flow;
  x.in_miss_flow = is_table_miss_flow(*e);
  actions(x, e->apply.data(), e->apply.size(), t, e->cookie);
  x.in_miss_flow = outer_miss_flow;
  if (x.dropped) return;
  if (e->clear_actions) x.action_set.clear();
  for (const OfAction& a : e->write) {
    // One action of each kind in the set: a later write replaces an earlier one.
    auto same = std::find_if(x.action_set.begin(), x.action_set.end(), [&](const OfAction& b) { return b.code == a.code; });
    if (same != x.action_set.end() && action_set_rank(a.code) != 4) *same = a;
    else x.action_set.push_back(a);
  }
  if (e->write_metadata) {
    set_metadata(x.key, (metadata_of(x.key) & ~e->metadata_mask) | (e->metadata_value & e->metadata_mask));
  }
  if (e->goto_table > t) table(x, uint8_t(e->goto_table));
}

bool Pipeline::is_table_miss_flow(const FlowEntry& e) {
  if (e.rule.priority != 0) return false;
  const uint8_t* m = reinterpret_cast<const uint8_t*>(&e.rule.mask);
  for (size_t i = 0; i < sizeof(FlowKey); i++)
    if (m[i]) return false;
  return true;
}

void Pipeline::action_set(Xlate& x) {
  if (x.action_set.empty()) return;
  std::stable_sort(x.action_set.begin(), x.action_set.end(),
                   [](const OfAction& a, const OfAction& b) { return action_set_rank(a.code) < action_set_rank(b.code); });
  // Only one output runs from an action set; the last one written wins.
  std::vector<OfAction> set;
  const OfAction* output = nullptr;
  for (const OfAction& a : x.action_set) {
    if (action_set_rank(a.code) == 4) output = &a;
    else set.push_back(a);
  }
  if (output) set.push_back(*output);
  actions(x, set.data(), set.size(), 0, 0);
}

// Fills in what an output op needs from the pipeline's state at this point: NORMAL
// the addresses, VLAN and in_port it learns and looks up with (so it needs no parse
// per packet), the controller its packet-in data, in_port the port now in effect
// (resubmit or set_field may have changed it).
void Pipeline::emit_output(const Xlate& x, OfAction op, uint8_t t, uint64_t cookie) {
  switch (op.code) {
    case OpCode::kNormal:
      std::memcpy(op.bytes, x.key.dl_src.b, 6);
      std::memcpy(op.bytes + 6, x.key.dl_dst.b, 6);
      op.u32 = x.key.vlan_tci & kVlanPresent ? x.key.vlan_tci & 0x0fff : 0;
      op.port = x.key.in_port;
      break;
    case OpCode::kController:
      op.reason = x.in_miss_flow ? kReasonNoMatch : kReasonAction;
      op.table = t;
      op.cookie = cookie;
      break;
    case OpCode::kInPort: op.port = x.key.in_port; break;
    default: break;
  }
  ops_.push_back(op);
}

void Pipeline::actions(Xlate& x, const OfAction* list, size_t n, uint8_t t, uint64_t cookie) {
  for (size_t i = 0; i < n && !x.dropped; i++) {
    const OfAction& a = list[i];
    switch (a.code) {
      case OpCode::kOutput: {
        // Reserved ports become their own ops; output:TABLE runs the tables.
        OfAction op = a;
        if (a.port == kOfppInPort) op.code = OpCode::kInPort;
        else if (a.port == kOfppFlood) op.code = OpCode::kFlood;
        else if (a.port == kOfppAll) op.code = OpCode::kAll;
        else if (a.port == kOfppLocal) op.code = OpCode::kLocal;
        else if (a.port == kOfppController) op.code = OpCode::kController, op.u32 = 65535;
        else if (a.port == kOfppNormal) op.code = OpCode::kNormal;
        else if (a.port == kOfppTable) {
          if (x.depth < kMaxDepth) {
            x.depth++;
            table(x, 0);
            x.depth--;
          }
          break;
        } else if (a.port == x.key.in_port || a.port >= kOfppMax) break;  // OpenFlow: not back out of in_port
        emit_output(x, op, t, cookie);
        break;
      }
      case OpCode::kNormal:
      case OpCode::kController:
      case OpCode::kInPort:
      case OpCode::kFlood:
      case OpCode::kAll:
      case OpCode::kLocal: emit_output(x, a, t, cookie); break;
      case OpCode::kResubmit: {
        if (x.depth >= kMaxDepth) break;
        uint32_t saved = x.key.in_port;
        if (a.port != kOfppInPort) x.key.in_port = a.port;
        x.depth++;
        table(x, a.u32 == kResubmitCurrentTable ? t : uint8_t(a.u32));
        x.depth--;
        x.key.in_port = saved;
        break;
      }
      case OpCode::kSetInPort:
      case OpCode::kSetMetadata: apply_to_key(x.key, a); break;
      default:  // rewrites: change the key for later lookups, and the packet
        if (!apply_to_key(x.key, a)) {
          // TTL expired: OpenFlow's invalid-TTL drop. The dec_ttl op stays in the
          // program so that run_program drops the packet there and counts it.
          ops_.push_back(a);
          x.dropped = true;
          break;
        }
        ops_.push_back(a);
        break;
    }
  }
}

}  // namespace nodeswitch
