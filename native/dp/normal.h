// NORMAL: 802.1Q-aware L2 learning and forwarding, as a Linux bridge or Open
// vSwitch's NORMAL action does it. Learn the source per VLAN, send to the port the
// destination was learned on, flood when unknown, broadcast or multicast, and never
// send a frame back out of the port it came in on.
#pragma once

#include <cstdint>

#include "core/counters.h"
#include "parse/flow_key.h"
#include "table/mac_table.h"

namespace nodeswitch {

struct NormalDecision {
  enum Kind : uint8_t { kDrop, kUnicast, kFlood } kind;
  uint16_t out_slot;  // kUnicast only: the port slot to send to
};

// The last learn and the last lookup, replayed while the MAC table has not changed:
// packets of one flow come in runs, and each would otherwise hash and probe the
// table twice. Exact: a skipped learn is one the table would not change (same
// station, port and second, and the entry is already the newest).
struct NormalMemo {
  uint64_t version = ~0ull;
  MacAddr src{};
  uint16_t src_vlan = 0, src_slot = 0;
  uint32_t src_now = 0;
  bool src_valid = false;
  MacAddr dst{};
  uint16_t dst_vlan = 0, dst_slot = 0;
  bool dst_valid = false;
};

// Learns `src` on `vlan` (the frame's outer VID, 0 when untagged) as seen on the
// port in `in_slot`, and decides where a frame to `dst` goes. The pipeline compiles the
// three out of the flow key, so NORMAL needs no parsing per packet.
NormalDecision normal_decide(const MacAddr& src, const MacAddr& dst, uint16_t vlan, uint16_t in_slot, uint32_t now,
                             MacTable& macs, BridgeCounters& c, NormalMemo& memo);

// Why NORMAL decides what it does, for trace.
// kVlanInvalid: the frame's VID is not one the input port carries (dp/vlan.h).
enum class NormalWhy : uint8_t { kBadSource, kMulticast, kUnknown, kLearned, kSamePort, kVlanInvalid };

struct NormalPreview {
  NormalDecision decision;
  NormalWhy why;
};

// What normal_decide would do with this frame now, reading the table only: nothing
// is learned and nothing counted (ovs-appctl ofproto/trace must not change the switch).
// As normal_decide learns the source before it looks the destination up, a frame
// to its own source address goes back to in_slot: a same-port drop.
NormalPreview normal_preview(const MacAddr& src, const MacAddr& dst, uint16_t vlan, uint16_t in_slot, const MacTable& macs);

}  // namespace nodeswitch
