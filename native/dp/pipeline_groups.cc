// Translation of group:N (group_table.h): the buckets a group chooses, inlined into
// the program, and the megaflow bits and liveness the choice depends on.
//
// A bucket runs on the packet as it was before the group, as Open vSwitch runs
// groups (each bucket on a clone; what follows the group sees the packet unchanged).
// The program is one op list on one packet, so after a bucket that rewrote headers
// translation emits the rewrites that put them back (as OVS's commit of the base
// flow does), and marks the restored fields exact in the megaflow: the values written
// back are the packet's own. A bucket that only outputs costs nothing extra.
#include <cstring>

#include "dp/pipeline.h"

namespace nodeswitch {

namespace {

bool is_ip(const FlowKey& k) { return (k.dl_type == 0x0800 || k.dl_type == 0x86dd) && k.l3_ofs != kOfsAbsent; }

bool tcp_or_udp(const FlowKey& k) {
  return k.l4_ofs != kOfsAbsent && !(k.nw_frag & kNwFragLater) && (k.nw_proto == 6 || k.nw_proto == 17);
}

OfAction op_u32(OpCode code, uint32_t v) {
  OfAction a{};
  a.code = code;
  a.u32 = v;
  return a;
}

OfAction op_bytes(OpCode code, const void* b, size_t n) {
  OfAction a{};
  a.code = code;
  std::memcpy(a.bytes, b, n);
  return a;
}

}  // namespace

void Pipeline::group(Xlate& x, uint32_t id, uint8_t t, uint64_t cookie) {
  Group* g = groups_ ? groups_->find(id) : nullptr;
  // A group deleted under a cached flow is flushed with it; the depth bounds chains.
  if (!g || x.depth >= kMaxDepth) return;
  x.group_credits.push_back(&g->counter);
  x.depth++;
  switch (g->type) {
    case GroupType::kAll:
      for (GroupBucket& b : g->buckets) {
        if (x.dropped) break;
        bucket(x, b, t, cookie);
      }
      break;
    case GroupType::kIndirect:
      if (!g->buckets.empty()) bucket(x, g->buckets[0], t, cookie);
      break;
    case GroupType::kSelect:
      if (GroupBucket* b = GroupTable::choose(*g, GroupTable::select_hash(x.key, &x.wc))) bucket(x, *b, t, cookie);
      break;
    case GroupType::kFastFailover:
      x.liveness = true;
      if (GroupBucket* b = groups_->first_live(*g)) bucket(x, *b, t, cookie);
      break;
  }
  x.depth--;
}

void Pipeline::bucket(Xlate& x, GroupBucket& b, uint8_t t, uint64_t cookie) {
  x.group_credits.push_back(&b.counter);
  const FlowKey before = x.key;
  const FlowKey rewritten = x.rewritten;
  const size_t first = x.ops.size();
  actions(x, b.actions.data(), b.actions.size(), t, cookie);
  if (!x.dropped) restore_after_bucket(x, before, first);
  x.key = before;
  x.rewritten = rewritten;
}

void Pipeline::restore_after_bucket(Xlate& x, const FlowKey& before, size_t first_op) {
  bool eth_src = false, eth_dst = false, vid = false, pcp = false, moved = false, ip_src = false, ip_dst = false, ip6_src = false,
       ip6_dst = false, tos = false, ttl = false, tp_src = false, tp_dst = false, queue = false;
  for (size_t i = first_op; i < x.ops.size(); i++) {
    switch (x.ops[i].code) {
      case OpCode::kSetEthSrc: eth_src = true; break;
      case OpCode::kSetEthDst: eth_dst = true; break;
      case OpCode::kSetVlanVid: vid = true; break;
      case OpCode::kSetVlanPcp: pcp = true; break;
      case OpCode::kPushVlan:
      case OpCode::kPopVlan: moved = true; break;
      case OpCode::kSetIpv4Src: ip_src = true; break;
      case OpCode::kSetIpv4Dst: ip_dst = true; break;
      case OpCode::kSetIpv6Src: ip6_src = true; break;
      case OpCode::kSetIpv6Dst: ip6_dst = true; break;
      case OpCode::kSetIpDscp:
      case OpCode::kSetIpEcn: tos = true; break;
      case OpCode::kSetIpTtl:
      case OpCode::kDecTtl: ttl = true; break;
      case OpCode::kSetTpSrc: tp_src = true; break;
      case OpCode::kSetTpDst: tp_dst = true; break;
      case OpCode::kSetQueue: queue = true; break;
      default: break;
    }
  }
  FlowKey& wc = x.wc;
  if (moved) {
    // Pop what the packet has now, push back what it had (inner tag first).
    wc.vlan_tci = wc.vlan_tpid = wc.inner_vlan_tci = wc.inner_vlan_tpid = 0xffff;
    int tags = (x.key.vlan_tci & kVlanPresent ? 1 : 0) + (x.key.inner_vlan_tci & kVlanPresent ? 1 : 0);
    for (int i = 0; i < tags; i++) x.ops.push_back(op_u32(OpCode::kPopVlan, 0));
    for (auto [tci, tpid] :
         {std::pair{before.inner_vlan_tci, before.inner_vlan_tpid}, std::pair{before.vlan_tci, before.vlan_tpid}}) {
      if (!(tci & kVlanPresent)) continue;
      x.ops.push_back(op_u32(OpCode::kPushVlan, tpid));
      x.ops.push_back(op_u32(OpCode::kSetVlanVid, tci & 0x0fff));
      x.ops.push_back(op_u32(OpCode::kSetVlanPcp, tci >> 13));
    }
  } else if ((vid || pcp) && (before.vlan_tci & kVlanPresent)) {
    wc.vlan_tci = 0xffff;
    if (vid) x.ops.push_back(op_u32(OpCode::kSetVlanVid, before.vlan_tci & 0x0fff));
    if (pcp) x.ops.push_back(op_u32(OpCode::kSetVlanPcp, before.vlan_tci >> 13));
  }
  if (eth_src) {
    std::memset(wc.dl_src.b, 0xff, 6);
    x.ops.push_back(op_bytes(OpCode::kSetEthSrc, before.dl_src.b, 6));
  }
  if (eth_dst) {
    std::memset(wc.dl_dst.b, 0xff, 6);
    x.ops.push_back(op_bytes(OpCode::kSetEthDst, before.dl_dst.b, 6));
  }
  const bool ip4 = before.dl_type == 0x0800 && before.l3_ofs != kOfsAbsent;
  const bool ip6 = before.dl_type == 0x86dd && before.l3_ofs != kOfsAbsent;
  if (ip_src && ip4) wc.nw_src = ~0u, x.ops.push_back(op_u32(OpCode::kSetIpv4Src, before.nw_src));
  if (ip_dst && ip4) wc.nw_dst = ~0u, x.ops.push_back(op_u32(OpCode::kSetIpv4Dst, before.nw_dst));
  if (ip6_src && ip6) {
    std::memset(wc.ipv6_src, 0xff, 16);
    x.ops.push_back(op_bytes(OpCode::kSetIpv6Src, before.ipv6_src, 16));
  }
  if (ip6_dst && ip6) {
    std::memset(wc.ipv6_dst, 0xff, 16);
    x.ops.push_back(op_bytes(OpCode::kSetIpv6Dst, before.ipv6_dst, 16));
  }
  if (tos && is_ip(before)) {
    wc.nw_tos = 0xff;
    x.ops.push_back(op_u32(OpCode::kSetIpDscp, before.nw_tos >> 2));
    x.ops.push_back(op_u32(OpCode::kSetIpEcn, before.nw_tos & 3));
  }
  if (ttl && is_ip(before)) wc.nw_ttl = 0xff, x.ops.push_back(op_u32(OpCode::kSetIpTtl, before.nw_ttl));
  if ((tp_src || tp_dst) && tcp_or_udp(before)) {
    if (tp_src) wc.tp_src = 0xffff, x.ops.push_back(op_u32(OpCode::kSetTpSrc, before.tp_src));
    if (tp_dst) wc.tp_dst = 0xffff, x.ops.push_back(op_u32(OpCode::kSetTpDst, before.tp_dst));
  }
  if (queue) {
    // The queue in force before the bucket: the last set_queue of the program so far.
    uint32_t q = 0;
    for (size_t i = 0; i < first_op; i++) {
      if (x.ops[i].code == OpCode::kSetQueue) q = x.ops[i].u32;
    }
    x.ops.push_back(op_u32(OpCode::kSetQueue, q));
  }
}

void Pipeline::check_liveness() {
  if (!groups_ || !groups_->liveness_changed()) return;
  for (Megaflow& mf : pool_) {
    if (mf.live && mf.liveness) {
      drop(&mf);
      stats_.megaflows_revalidated++;
    }
  }
  // The exact-match entries of dropped megaflows read as misses (their serials moved).
}

}  // namespace nodeswitch
