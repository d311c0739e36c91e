// Flow key extraction: one frame in, one FlowKey out (L2 through L4).
//
// What. parse_flow_key() reads an Ethernet frame and fills the fields OpenFlow 1.3
// and ovs-ofctl matching need: Ethernet addresses and type, up to two VLAN tags
// (802.1Q 0x8100, 802.1ad 0x88a8, legacy 0x9100 as outer), 802.3/LLC (and SNAP with
// OUI 0, which is decoded to its ethertype), the top MPLS label, ARP/RARP, IPv4 and
// IPv6 (with hop-by-hop, routing, fragment, destination-options and AH extension
// headers), TCP, UDP, SCTP, ICMP, ICMPv6 and neighbor discovery. Semantics follow
// Open vSwitch's miniflow_extract() wherever there is a choice, so that what an OVS
// user matches on means the same here:
//   - vlan_tci carries 0x1000 (the CFI/DEI position) as "tag present";
//   - 802.3 length frames get dl_type 0x05ff;
//   - nw_tos is the whole TOS / traffic-class byte (DSCP << 2 | ECN);
//   - ICMP type/code go in tp_src/tp_dst;
//   - ARP op also goes in nw_proto when it fits in 8 bits, spa/tpa in nw_src/nw_dst;
//   - an IPv6 later fragment has nw_proto 44 (IPPROTO_FRAGMENT); an IPv4 later
//     fragment keeps its protocol; neither has L4 fields;
//   - an IPv6 "atomic" fragment header (offset 0, no MF) is not a fragment.
//
// Validity. l3_ofs is set (not kAbsent) exactly when the key holds fields from a
// parsed L3 header (IPv4, IPv6, Ethernet/IPv4 ARP), l4_ofs exactly when it holds
// fields from a parsed L4 header (TCP, UDP, SCTP, ICMP, ICMPv6). Everything the
// parser did not fill is zero. On kRunt the whole key is zero. On kBadL3 the L2
// fields are valid and the rest holds what parsed before the bad header: an IPv4
// or IPv6 header that fails its checks leaves l3_ofs absent; a good IP header
// followed by a bad extension chain or L4 header leaves l3_ofs set and l4_ofs
// absent (nw_proto then names the header that failed); ND options that do not
// parse leave nd_* zero with type/code and l4_ofs still set. L4 parsing is bounded
// by the IP length fields, never by Ethernet padding.
//
// Layout. FlowKey is a POD the parser memsets to zero before filling, and the
// microflow cache hashes and compares it as raw bytes, so it has no padding at all
// (checked below with has_unique_object_representations): fields are ordered by
// alignment, 140 bytes. in_port and metadata are not in the frame: the
// datapath sets them (the parser leaves 0).
//
// Cost. Straight-line, no allocation, no exceptions, never reads past len. Loops:
// at most 8 IPv6 extension headers (more is kBadL3), and ND options, each >= 8 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "parse/byte_order.h"

namespace nodeswitch {

constexpr uint16_t kOfsAbsent = 0xffff;    // l3_ofs / l4_ofs when absent
constexpr uint16_t kDlTypeNone = 0x05ff;   // 802.3 length frames (OVS FLOW_DL_TYPE_NONE)
constexpr uint16_t kVlanPresent = 0x1000;  // in vlan_tci / inner_vlan_tci (OVS VLAN_CFI)
constexpr uint8_t kNwFragAny = 1;          // OVS FLOW_NW_FRAG_ANY: the packet is a fragment
constexpr uint8_t kNwFragLater = 2;        // OVS FLOW_NW_FRAG_LATER: fragment offset != 0
constexpr int kMaxIpv6ExtHeaders = 8;

// Values in host byte order; addresses as raw wire bytes (nw_src/nw_dst excepted:
// host-order uint32, so 10.0.0.1 is 0x0a000001).
struct FlowKey {
  uint32_t in_port;      // set by the datapath, not the parser (OpenFlow port number)
  uint32_t metadata_hi;  // OpenFlow metadata, high and low halves: pipeline state
  uint32_t metadata_lo;  // (write_metadata), 0 when a packet enters; never parsed

  // L2: valid unless kRunt.
  MacAddr dl_src, dl_dst;
  uint16_t dl_type;          // ethertype after all VLAN tags (and LLC/SNAP); 0x05ff for 802.3
  uint16_t vlan_tci;         // outer tag: PCP << 13 | 0x1000 | VID; 0 = untagged
  uint16_t vlan_tpid;        // 0x8100, 0x88a8 or 0x9100; 0 = untagged
  uint16_t inner_vlan_tci;   // second tag (QinQ), same encoding; 0 = none
  uint16_t inner_vlan_tpid;  // 0x8100 or 0x88a8; 0 = none
  uint16_t l2_len;           // Ethernet + VLAN tags (+ LLC/SNAP when decoded): where L3 starts
  uint16_t l3_ofs, l4_ofs;   // offsets of the parsed L3 / L4 headers, kOfsAbsent when none
  uint32_t mpls_lse;         // top MPLS label stack entry (dl_type 0x8847/0x8848), whole 32 bits

  // L3.
  uint8_t nw_proto;         // IP protocol / IPv6 final next header; ARP: op (if <= 255)
  uint8_t nw_tos;           // TOS / traffic class byte: DSCP << 2 | ECN
  uint8_t nw_ttl;           // TTL / hop limit
  uint8_t nw_frag;          // kNwFragAny | kNwFragLater
  uint32_t nw_src, nw_dst;  // IPv4; ARP: spa / tpa
  uint32_t ipv6_label;      // 20-bit flow label
  uint8_t ipv6_src[16], ipv6_dst[16];

  // L4.
  uint16_t tp_src, tp_dst;  // TCP/UDP/SCTP ports; ICMP/ICMPv6: type / code
  uint16_t tcp_flags;       // low 12 bits of the TCP offset/flags word (NS..FIN)
  uint16_t arp_op;          // Ethernet/IPv4 ARP and RARP only
  MacAddr arp_sha, arp_tha;
  uint8_t nd_target[16];   // ICMPv6 neighbor solicitation / advertisement (code 0)
  MacAddr nd_sll, nd_tll;  // source / target link-layer address options
};
static_assert(std::is_trivially_copyable_v<FlowKey> && std::is_standard_layout_v<FlowKey>,
              "FlowKey is hashed and copied as raw bytes");
static_assert(std::has_unique_object_representations_v<FlowKey>, "FlowKey must have no padding");
static_assert(sizeof(FlowKey) == 140, "update the layout note above");

// Every field of FlowKey, in order (the addon's flowKeyLayout, and the megaflow
// cache's mask coalescing, walk it).
struct FlowKeyField {
  const char* name;
  uint16_t offset, size;
};
#define NS_FLOW_KEY_FIELD(f) \
  FlowKeyField { #f, uint16_t(offsetof(FlowKey, f)), uint16_t(sizeof(FlowKey::f)) }
inline constexpr FlowKeyField kFlowKeyFields[] = {
    NS_FLOW_KEY_FIELD(in_port),         NS_FLOW_KEY_FIELD(metadata_hi), NS_FLOW_KEY_FIELD(metadata_lo),
    NS_FLOW_KEY_FIELD(dl_src),          NS_FLOW_KEY_FIELD(dl_dst),      NS_FLOW_KEY_FIELD(dl_type),
    NS_FLOW_KEY_FIELD(vlan_tci),        NS_FLOW_KEY_FIELD(vlan_tpid),   NS_FLOW_KEY_FIELD(inner_vlan_tci),
    NS_FLOW_KEY_FIELD(inner_vlan_tpid), NS_FLOW_KEY_FIELD(l2_len),      NS_FLOW_KEY_FIELD(l3_ofs),
    NS_FLOW_KEY_FIELD(l4_ofs),          NS_FLOW_KEY_FIELD(mpls_lse),    NS_FLOW_KEY_FIELD(nw_proto),
    NS_FLOW_KEY_FIELD(nw_tos),          NS_FLOW_KEY_FIELD(nw_ttl),      NS_FLOW_KEY_FIELD(nw_frag),
    NS_FLOW_KEY_FIELD(nw_src),          NS_FLOW_KEY_FIELD(nw_dst),      NS_FLOW_KEY_FIELD(ipv6_label),
    NS_FLOW_KEY_FIELD(ipv6_src),        NS_FLOW_KEY_FIELD(ipv6_dst),    NS_FLOW_KEY_FIELD(tp_src),
    NS_FLOW_KEY_FIELD(tp_dst),          NS_FLOW_KEY_FIELD(tcp_flags),   NS_FLOW_KEY_FIELD(arp_op),
    NS_FLOW_KEY_FIELD(arp_sha),         NS_FLOW_KEY_FIELD(arp_tha),     NS_FLOW_KEY_FIELD(nd_target),
    NS_FLOW_KEY_FIELD(nd_sll),          NS_FLOW_KEY_FIELD(nd_tll),
};
#undef NS_FLOW_KEY_FIELD

enum class ParseStatus : uint8_t {
  kOk,
  kRunt,   // shorter than an Ethernet header, or a truncated VLAN tag: drop it
  kBadL3,  // L2 fine, L3/L4 headers malformed or truncated: the key holds what parsed
};

ParseStatus parse_flow_key(const uint8_t* frame, uint32_t len, FlowKey* key);

}  // namespace nodeswitch
