// Frame → FlowKey. See flow_key.h for the semantics; this file reads top-down in
// wire order: L2, then one function per L3, then L4. Each function gets a pointer
// to its header and the number of bytes it may read (n), checks n before every
// load, and returns kBadL3 on the first thing that does not fit.
#include "parse/flow_key.h"

#include <cstring>

namespace nodeswitch {
namespace {

constexpr uint32_t kEthHeaderLen = 14;
constexpr uint32_t kVlanHeaderLen = 4;
constexpr uint16_t kEthTypeMin = 0x0600;  // below: an 802.3 length field

constexpr uint16_t kEthTypeIpv4 = 0x0800;
constexpr uint16_t kEthTypeArp = 0x0806;
constexpr uint16_t kEthTypeRarp = 0x8035;
constexpr uint16_t kEthTypeVlan = 0x8100;
constexpr uint16_t kEthTypeIpv6 = 0x86dd;
constexpr uint16_t kEthTypeMpls = 0x8847;
constexpr uint16_t kEthTypeMplsMcast = 0x8848;
constexpr uint16_t kEthTypeQinQ = 0x88a8;
constexpr uint16_t kEthTypeQinQLegacy = 0x9100;

constexpr uint8_t kIpProtoHopOpts = 0;
constexpr uint8_t kIpProtoIcmp = 1;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoRouting = 43;
constexpr uint8_t kIpProtoFragment = 44;
constexpr uint8_t kIpProtoAh = 51;
constexpr uint8_t kIpProtoIcmpv6 = 58;
constexpr uint8_t kIpProtoDstOpts = 60;
constexpr uint8_t kIpProtoSctp = 132;

constexpr uint8_t kNdSolicit = 135;
constexpr uint8_t kNdAdvert = 136;
constexpr uint8_t kNdOptSll = 1;
constexpr uint8_t kNdOptTll = 2;

constexpr ParseStatus kOk = ParseStatus::kOk;
constexpr ParseStatus kBad = ParseStatus::kBadL3;

// Neighbor discovery: target address, then TLV options in 8-byte units. Only
// called for NS/NA with code 0; n counts from the ICMPv6 header. Like OVS, a
// repeated link-layer option or an option that overruns the message is invalid
// and leaves all nd_* fields zero.
ParseStatus clear_nd(FlowKey* k) {
  std::memset(k->nd_target, 0, sizeof k->nd_target);
  k->nd_sll = MacAddr{};
  k->nd_tll = MacAddr{};
  return kBad;
}

ParseStatus parse_nd(const uint8_t* icmp, uint32_t n, FlowKey* k) {
  if (n < 24) return kBad;
  std::memcpy(k->nd_target, icmp + 8, 16);
  for (uint32_t o = 24; n - o >= 8;) {
    const uint8_t type = icmp[o];
    const uint32_t opt_len = icmp[o + 1] * 8u;
    if (opt_len == 0 || opt_len > n - o) return clear_nd(k);
    if (opt_len == 8 && (type == kNdOptSll || type == kNdOptTll)) {
      MacAddr* mac = type == kNdOptSll ? &k->nd_sll : &k->nd_tll;
      if (!mac->is_zero()) return clear_nd(k);
      load_mac(mac, icmp + o + 2);
    }
    o += opt_len;
  }
  return kOk;
}

// l4 points at the transport header, n is what the IP length fields leave for it.
ParseStatus parse_l4(const uint8_t* l4, uint32_t n, uint32_t ofs, bool ipv6, FlowKey* k) {
  switch (k->nw_proto) {
    case kIpProtoTcp: {
      if (n < 20) return kBad;
      const uint32_t doff = (l4[12] >> 4) * 4u;
      if (doff < 20 || doff > n) return kBad;
      k->tcp_flags = load_be16(l4 + 12) & 0x0fff;
      break;
    }
    case kIpProtoUdp:
      if (n < 8) return kBad;
      break;
    case kIpProtoSctp:
      if (n < 12) return kBad;
      break;
    case kIpProtoIcmp:
    case kIpProtoIcmpv6: {
      if ((k->nw_proto == kIpProtoIcmpv6) != ipv6) return kOk;  // ICMP over v6 or v.v.: no L4
      if (n < 8) return kBad;
      k->tp_src = l4[0];
      k->tp_dst = l4[1];
      k->l4_ofs = static_cast<uint16_t>(ofs);
      if (ipv6 && l4[1] == 0 && (l4[0] == kNdSolicit || l4[0] == kNdAdvert)) return parse_nd(l4, n, k);
      return kOk;
    }
    default: return kOk;  // a protocol we do not look into: L3 is the last layer
  }
  k->tp_src = load_be16(l4);
  k->tp_dst = load_be16(l4 + 2);
  k->l4_ofs = static_cast<uint16_t>(ofs);
  return kOk;
}

ParseStatus parse_ipv4(const uint8_t* ip, uint32_t n, uint32_t ofs, FlowKey* k) {
  if (n < 20 || (ip[0] >> 4) != 4) return kBad;
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  const uint32_t tot_len = load_be16(ip + 2);
  if (ihl < 20 || tot_len < ihl || tot_len > n) return kBad;

  k->l3_ofs = static_cast<uint16_t>(ofs);
  k->nw_tos = ip[1];
  k->nw_ttl = ip[8];
  k->nw_proto = ip[9];
  k->nw_src = load_be32(ip + 12);
  k->nw_dst = load_be32(ip + 16);
  const uint16_t frag = load_be16(ip + 6);  // flags (3 bits) | offset (13 bits)
  if (frag & 0x3fff) {                      // MF or offset: a fragment
    k->nw_frag = kNwFragAny;
    if (frag & 0x1fff) {
      k->nw_frag |= kNwFragLater;
      return kOk;
    }
  }
  return parse_l4(ip + ihl, tot_len - ihl, ofs + ihl, false, k);
}

ParseStatus parse_ipv6(const uint8_t* ip, uint32_t n, uint32_t ofs, FlowKey* k) {
  if (n < 40 || (ip[0] >> 4) != 6) return kBad;
  const uint32_t end = 40 + load_be16(ip + 4);  // no jumbograms: payload length 0 is 0
  if (end > n) return kBad;

  const uint32_t vtcfl = load_be32(ip);
  k->l3_ofs = static_cast<uint16_t>(ofs);
  k->nw_tos = static_cast<uint8_t>(vtcfl >> 20);
  k->ipv6_label = vtcfl & 0xfffff;
  k->nw_ttl = ip[7];
  std::memcpy(k->ipv6_src, ip + 8, 16);
  std::memcpy(k->ipv6_dst, ip + 24, 16);

  uint8_t next = ip[6];
  uint32_t o = 40;
  for (int i = 0;; ++i) {
    k->nw_proto = next;
    if (next != kIpProtoHopOpts && next != kIpProtoRouting && next != kIpProtoDstOpts && next != kIpProtoAh &&
        next != kIpProtoFragment)
      break;
    if (i == kMaxIpv6ExtHeaders || end - o < 8) return kBad;
    const uint8_t* h = ip + o;
    if (next == kIpProtoFragment) {
      const uint16_t offlg = load_be16(h + 2);  // offset (13 bits) | 2 reserved | M
      next = h[0];
      o += 8;
      if (offlg & 0xfff9) {
        k->nw_frag = kNwFragAny;
        if (offlg & 0xfff8) {
          k->nw_frag |= kNwFragLater;
          k->nw_proto = kIpProtoFragment;  // as OVS: a later fragment shows the fragment header
          return kOk;
        }
      }
      continue;
    }
    const uint32_t hlen = next == kIpProtoAh ? (h[1] + 2u) * 4 : (h[1] + 1u) * 8;
    if (hlen > end - o) return kBad;
    next = h[0];
    o += hlen;
  }
  return parse_l4(ip + o, end - o, ofs + o, true, k);
}

// ARP and RARP. Only Ethernet/IPv4 fills the key; other hardware or protocol
// types are well-formed frames we simply do not describe.
ParseStatus parse_arp(const uint8_t* arp, uint32_t n, uint32_t ofs, FlowKey* k) {
  if (n < 8) return kBad;
  if (load_be16(arp) != 1 || load_be16(arp + 2) != kEthTypeIpv4 || arp[4] != 6 || arp[5] != 4) return kOk;
  if (n < 28) return kBad;
  k->l3_ofs = static_cast<uint16_t>(ofs);
  k->arp_op = load_be16(arp + 6);
  k->nw_proto = k->arp_op <= 0xff ? static_cast<uint8_t>(k->arp_op) : 0;
  load_mac(&k->arp_sha, arp + 8);
  k->nw_src = load_be32(arp + 14);
  load_mac(&k->arp_tha, arp + 18);
  k->nw_dst = load_be32(arp + 24);
  return kOk;
}

bool is_vlan_tpid(uint16_t type) { return type == kEthTypeVlan || type == kEthTypeQinQ; }

}  // namespace

ParseStatus parse_flow_key(const uint8_t* frame, uint32_t len, FlowKey* k) {
  std::memset(k, 0, sizeof *k);
  if (len < kEthHeaderLen) return ParseStatus::kRunt;

  uint16_t type = load_be16(frame + 12);
  uint32_t ofs = kEthHeaderLen;
  uint16_t tci = 0, tpid = 0, inner_tci = 0, inner_tpid = 0;
  if (is_vlan_tpid(type) || type == kEthTypeQinQLegacy) {
    if (len - ofs < kVlanHeaderLen) return ParseStatus::kRunt;
    tpid = type;
    tci = load_be16(frame + ofs) | kVlanPresent;
    type = load_be16(frame + ofs + 2);
    ofs += kVlanHeaderLen;
    if (is_vlan_tpid(type)) {
      if (len - ofs < kVlanHeaderLen) return ParseStatus::kRunt;
      inner_tpid = type;
      inner_tci = load_be16(frame + ofs) | kVlanPresent;
      type = load_be16(frame + ofs + 2);
      ofs += kVlanHeaderLen;
    }  // a third tag stays unparsed: dl_type 0x8100, no L3
  }
  if (type < kEthTypeMin) {
    // 802.3: LLC follows. SNAP with OUI 0 encapsulates an ethertype (RFC 1042).
    const uint8_t* llc = frame + ofs;
    type = kDlTypeNone;
    if (len - ofs >= 8 && llc[0] == 0xaa && llc[1] == 0xaa && llc[2] == 0x03 && (llc[3] | llc[4] | llc[5]) == 0 &&
        load_be16(llc + 6) >= kEthTypeMin) {
      type = load_be16(llc + 6);
      ofs += 8;
    }
  }

  load_mac(&k->dl_dst, frame);
  load_mac(&k->dl_src, frame + 6);
  k->dl_type = type;
  k->vlan_tci = tci;
  k->vlan_tpid = tpid;
  k->inner_vlan_tci = inner_tci;
  k->inner_vlan_tpid = inner_tpid;
  k->l2_len = static_cast<uint16_t>(ofs);
  k->l3_ofs = kOfsAbsent;
  k->l4_ofs = kOfsAbsent;

  const uint8_t* l3 = frame + ofs;
  const uint32_t n = len - ofs;
  switch (type) {
    case kEthTypeIpv4: return parse_ipv4(l3, n, ofs, k);
    case kEthTypeIpv6: return parse_ipv6(l3, n, ofs, k);
    case kEthTypeArp:
    case kEthTypeRarp: return parse_arp(l3, n, ofs, k);
    case kEthTypeMpls:
    case kEthTypeMplsMcast:
      if (n < 4) return kBad;
      k->mpls_lse = load_be32(l3);
      return kOk;
    default: return kOk;
  }
}

}  // namespace nodeswitch
