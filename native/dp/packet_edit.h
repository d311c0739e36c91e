// Header rewrites for the OpenFlow actions: each edits a packet in place and keeps
// its flow key, its checksums and its offload header in step, so that later actions
// (and later tables) see the packet as it now is.
//
// Checksums are updated incrementally (RFC 1624): a rewrite of k bytes costs O(k),
// not a pass over the payload. A frame whose L4 checksum is left for the device to
// finish (virtio NEEDS_CSUM: the field holds the pseudo-header sum, not inverted) is
// adjusted only for pseudo-header fields, as the kernel's inet_proto_csum_replace
// does. A UDP/IPv4 checksum of zero means "none" and stays zero.
//
// Tags are pushed into the headroom every port driver leaves before the frame
// (ring PACKET_RESERVE, TAP and mem buffers), so a push moves 12 bytes, never the
// payload.
#pragma once

#include <cstdint>

#include "core/packet.h"
#include "parse/flow_key.h"

namespace nodeswitch {

void edit_eth_src(Packet* p, FlowKey* key, const MacAddr& mac);
void edit_eth_dst(Packet* p, FlowKey* key, const MacAddr& mac);

// push_vlan: a new outer tag with the given TPID and VID 0, PCP 0, as Open vSwitch
// does it. False when there is no headroom.
bool edit_push_vlan(Packet* p, FlowKey* key, uint16_t tpid);
// Removes the outer tag, if any.
void edit_pop_vlan(Packet* p, FlowKey* key);
// Outer tag's VID / PCP; no-ops on an untagged frame.
void edit_vlan_vid(Packet* p, FlowKey* key, uint16_t vid);
void edit_vlan_pcp(Packet* p, FlowKey* key, uint8_t pcp);

// IPv4 / IPv6 fields; no-ops when the frame has no such header.
void edit_ipv4_src(Packet* p, FlowKey* key, uint32_t addr);
void edit_ipv4_dst(Packet* p, FlowKey* key, uint32_t addr);
void edit_ipv6_src(Packet* p, FlowKey* key, const uint8_t addr[16]);
void edit_ipv6_dst(Packet* p, FlowKey* key, const uint8_t addr[16]);
void edit_ip_dscp(Packet* p, FlowKey* key, uint8_t dscp);  // 6 bits
void edit_ip_ecn(Packet* p, FlowKey* key, uint8_t ecn);    // 2 bits
void edit_ip_ttl(Packet* p, FlowKey* key, uint8_t ttl);
// Decrements TTL / hop limit; false (and nothing changed) when it would reach 0.
bool edit_dec_ttl(Packet* p, FlowKey* key);

// TCP / UDP ports; no-ops without such a header (or on a later fragment).
void edit_tp_src(Packet* p, FlowKey* key, uint16_t port);
void edit_tp_dst(Packet* p, FlowKey* key, uint16_t port);

}  // namespace nodeswitch
