#include "dp/normal.h"

namespace nodeswitch {

NormalDecision normal_decide(const MacAddr& src, const MacAddr& dst, uint16_t vlan, uint16_t in_slot, uint32_t now,
                             MacTable& macs, BridgeCounters& c, NormalMemo& memo) {
  // A multicast or all-zero source is not a station: learning it would poison the
  // table, and no sane host sends it.
  if (src.is_multicast() || src.is_zero()) {
    c.drop_bad_src++;
    return {NormalDecision::kDrop, 0};
  }
  if (memo.version != macs.version()) memo.src_valid = memo.dst_valid = false;
  bool same_learn = memo.src_valid && memo.src == src && memo.src_vlan == vlan && memo.src_slot == in_slot && memo.src_now == now;
  if (!same_learn) {
    bool evicted;
    switch (macs.learn(src, vlan, in_slot, now, &evicted)) {
      case MacTable::Learn::kLearned: c.learned++; break;
      case MacTable::Learn::kMoved: c.moved++; break;
      case MacTable::Learn::kRefreshed: break;
    }
    if (evicted) c.evicted++;
    if (memo.version != macs.version()) memo.dst_valid = false;
    memo = NormalMemo{macs.version(), src, vlan, in_slot, now, true, memo.dst, memo.dst_vlan, memo.dst_slot, memo.dst_valid};
  }

  if (dst.is_multicast()) {
    c.flooded++;
    return {NormalDecision::kFlood, 0};
  }
  c.lookups++;
  uint16_t out;
  if (memo.dst_valid && memo.dst == dst && memo.dst_vlan == vlan) {
    out = memo.dst_slot;
  } else {
    out = macs.lookup(dst, vlan);
    memo.dst = dst;
    memo.dst_vlan = vlan;
    memo.dst_slot = out;
    memo.dst_valid = true;
  }
  if (out == MacTable::kNoSlot) {
    c.flooded++;
    return {NormalDecision::kFlood, 0};
  }
  c.hits++;
  if (out == in_slot) {
    c.drop_same_port++;
    return {NormalDecision::kDrop, 0};
  }
  return {NormalDecision::kUnicast, out};
}

NormalPreview normal_preview(const MacAddr& src, const MacAddr& dst, uint16_t vlan, uint16_t in_slot, const MacTable& macs) {
  if (src.is_multicast() || src.is_zero()) return {{NormalDecision::kDrop, 0}, NormalWhy::kBadSource};
  if (dst.is_multicast()) return {{NormalDecision::kFlood, 0}, NormalWhy::kMulticast};
  uint16_t out = dst == src ? in_slot : macs.lookup(dst, vlan);
  if (out == MacTable::kNoSlot) return {{NormalDecision::kFlood, 0}, NormalWhy::kUnknown};
  if (out == in_slot) return {{NormalDecision::kDrop, 0}, NormalWhy::kSamePort};
  return {{NormalDecision::kUnicast, out}, NormalWhy::kLearned};
}

}  // namespace nodeswitch
