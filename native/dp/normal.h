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
  uint16_t out_port;  // kUnicast only
};

// The VLAN a frame is learned and looked up in: its outer VID, 0 when untagged.
inline uint16_t normal_vlan(const FlowKey& key) { return key.vlan_tci & 0x1000 ? key.vlan_tci & 0x0fff : 0; }

// Learns the source of a frame that arrived on `in_port` and decides where it goes.
NormalDecision normal_decide(const FlowKey& key, uint16_t in_port, uint32_t now, MacTable& macs, BridgeCounters& c);

}  // namespace nodeswitch
