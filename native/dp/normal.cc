#include "dp/normal.h"

namespace nodeswitch {

NormalDecision normal_decide(const MacAddr& src, const MacAddr& dst, uint16_t vlan, uint16_t in_port, uint32_t now,
                             MacTable& macs, BridgeCounters& c) {
  // A multicast or all-zero source is not a station: learning it would poison the
  // table, and no sane host sends it.
  if (src.is_multicast() || src.is_zero()) {
    c.drop_bad_src++;
    return {NormalDecision::kDrop, 0};
  }
  bool evicted;
  switch (macs.learn(src, vlan, in_port, now, &evicted)) {
    case MacTable::Learn::kLearned: c.learned++; break;
    case MacTable::Learn::kMoved: c.moved++; break;
    case MacTable::Learn::kRefreshed: break;
  }
  if (evicted) c.evicted++;

  if (dst.is_multicast()) {
    c.flooded++;
    return {NormalDecision::kFlood, 0};
  }
  c.lookups++;
  uint16_t out = macs.lookup(dst, vlan);
  if (out == MacTable::kNoPort) {
    c.flooded++;
    return {NormalDecision::kFlood, 0};
  }
  c.hits++;
  if (out == in_port) {
    c.drop_same_port++;
    return {NormalDecision::kDrop, 0};
  }
  return {NormalDecision::kUnicast, out};
}

}  // namespace nodeswitch
