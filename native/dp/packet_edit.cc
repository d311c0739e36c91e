#include "dp/packet_edit.h"

#include <cstring>

namespace nodeswitch {

namespace {

constexpr uint16_t kEthIpv4 = 0x0800, kEthIpv6 = 0x86dd;
constexpr uint8_t kProtoTcp = 6, kProtoUdp = 17, kProtoIcmpv6 = 58;

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return uint16_t(s);
}

// Adds (new - old) to the one's-complement sum in `field` for `len` (even) bytes.
// `partial`: the field holds a not-yet-inverted pseudo-header sum.
void csum_replace(uint8_t* field, const uint8_t* from, const uint8_t* to, uint32_t len, bool partial) {
  uint32_t s = partial ? get16(field) : uint16_t(~get16(field));
  for (uint32_t i = 0; i < len; i += 2) s += uint16_t(~get16(from + i)) + get16(to + i);
  uint16_t v = fold(s);
  put16(field, partial ? v : uint16_t(~v));
}

bool has_ipv4(const FlowKey* k) { return k->dl_type == kEthIpv4 && k->l3_ofs != kOfsAbsent; }
bool has_ipv6(const FlowKey* k) { return k->dl_type == kEthIpv6 && k->l3_ofs != kOfsAbsent; }

// The L4 checksum field covering the pseudo-header, or null (no TCP/UDP/ICMPv6
// header, or a UDP/IPv4 datagram without checksum).
uint8_t* l4_csum(Packet* p, const FlowKey* k) {
  if (k->l4_ofs == kOfsAbsent || (k->nw_frag & kNwFragLater)) return nullptr;
  if (k->nw_proto == kProtoTcp && k->l4_ofs + 18u <= p->len) return p->data + k->l4_ofs + 16;
  if (k->nw_proto == kProtoUdp && k->l4_ofs + 8u <= p->len) {
    uint8_t* f = p->data + k->l4_ofs + 6;
    if (k->dl_type == kEthIpv4 && get16(f) == 0 && !(p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) return nullptr;
    return f;
  }
  // ICMPv6 covers the IPv6 pseudo-header too (ICMP over IPv4 does not).
  if (k->nw_proto == kProtoIcmpv6 && k->dl_type == kEthIpv6 && k->l4_ofs + 4u <= p->len) return p->data + k->l4_ofs + 2;
  return nullptr;
}

bool partial(const Packet* p) { return p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM; }

// A rewrite of a pseudo-header field: IP addresses.
void rewrite_pseudo(Packet* p, FlowKey* k, uint8_t* at, const uint8_t* to, uint32_t len) {
  uint8_t from[16];
  std::memcpy(from, at, len);
  if (std::memcmp(from, to, len) == 0) return;
  if (uint8_t* l4 = l4_csum(p, k)) {
    csum_replace(l4, from, to, len, partial(p));
    if (k->nw_proto == kProtoUdp && get16(l4) == 0 && !partial(p)) put16(l4, 0xffff);
  }
  std::memcpy(at, to, len);
}

void shift_offsets(Packet* p, FlowKey* k, int delta) {
  k->l2_len = uint16_t(k->l2_len + delta);
  if (k->l3_ofs != kOfsAbsent) k->l3_ofs = uint16_t(k->l3_ofs + delta);
  if (k->l4_ofs != kOfsAbsent) k->l4_ofs = uint16_t(k->l4_ofs + delta);
  if (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) p->vnet.csum_start = uint16_t(p->vnet.csum_start + delta);
  if (p->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE) p->vnet.hdr_len = uint16_t(p->vnet.hdr_len + delta);
}

}  // namespace

void edit_eth_src(Packet* p, FlowKey* key, const MacAddr& mac) {
  std::memcpy(p->data + 6, mac.b, 6);
  key->dl_src = mac;
}

void edit_eth_dst(Packet* p, FlowKey* key, const MacAddr& mac) {
  std::memcpy(p->data, mac.b, 6);
  key->dl_dst = mac;
}

bool edit_push_vlan(Packet* p, FlowKey* key, uint16_t tpid) {
  // Every driver keeps at least 32 bytes of headroom; a frame that already used
  // some (a tag put back on receive) still has room for a few more pushes.
  uint8_t* d = p->data - 4;
  std::memmove(d, p->data, 12);
  // VID 0, PCP 0, as Open vSwitch pushes it (OpenFlow 1.3 would copy the outer
  // tag's; users hold us to OVS, and rules set the VID right after anyway).
  uint16_t tci = 0;
  put16(d + 12, tpid);
  put16(d + 14, tci);
  p->data = d;
  p->len += 4;
  key->inner_vlan_tci = key->vlan_tci;
  key->inner_vlan_tpid = key->vlan_tpid;
  key->vlan_tci = tci | kVlanPresent;
  key->vlan_tpid = tpid;
  shift_offsets(p, key, 4);
  return true;
}

void edit_pop_vlan(Packet* p, FlowKey* key) {
  if (!(key->vlan_tci & kVlanPresent) || p->len < 18) return;
  std::memmove(p->data + 4, p->data, 12);
  p->data += 4;
  p->len -= 4;
  key->vlan_tci = key->inner_vlan_tci;
  key->vlan_tpid = key->inner_vlan_tpid;
  key->inner_vlan_tci = 0;
  key->inner_vlan_tpid = 0;
  shift_offsets(p, key, -4);
}

void edit_vlan_vid(Packet* p, FlowKey* key, uint16_t vid) {
  if (!(key->vlan_tci & kVlanPresent)) return;
  uint16_t tci = uint16_t((key->vlan_tci & 0xf000) | (vid & 0x0fff));
  put16(p->data + 14, uint16_t(tci & ~kVlanPresent) | (get16(p->data + 14) & kVlanPresent));
  key->vlan_tci = tci;
}

void edit_vlan_pcp(Packet* p, FlowKey* key, uint8_t pcp) {
  if (!(key->vlan_tci & kVlanPresent)) return;
  uint16_t tci = uint16_t((key->vlan_tci & 0x1fff) | ((pcp & 7) << 13));
  put16(p->data + 14, uint16_t((get16(p->data + 14) & 0x1fff) | ((pcp & 7) << 13)));
  key->vlan_tci = tci;
}

void edit_ipv4_src(Packet* p, FlowKey* key, uint32_t addr) {
  if (!has_ipv4(key)) return;
  uint8_t* ip = p->data + key->l3_ofs;
  uint8_t to[4] = {uint8_t(addr >> 24), uint8_t(addr >> 16), uint8_t(addr >> 8), uint8_t(addr)};
  csum_replace(ip + 10, ip + 12, to, 4, false);
  rewrite_pseudo(p, key, ip + 12, to, 4);
  key->nw_src = addr;
}

void edit_ipv4_dst(Packet* p, FlowKey* key, uint32_t addr) {
  if (!has_ipv4(key)) return;
  uint8_t* ip = p->data + key->l3_ofs;
  uint8_t to[4] = {uint8_t(addr >> 24), uint8_t(addr >> 16), uint8_t(addr >> 8), uint8_t(addr)};
  csum_replace(ip + 10, ip + 16, to, 4, false);
  rewrite_pseudo(p, key, ip + 16, to, 4);
  key->nw_dst = addr;
}

void edit_ipv6_src(Packet* p, FlowKey* key, const uint8_t addr[16]) {
  if (!has_ipv6(key)) return;
  rewrite_pseudo(p, key, p->data + key->l3_ofs + 8, addr, 16);
  std::memcpy(key->ipv6_src, addr, 16);
}

void edit_ipv6_dst(Packet* p, FlowKey* key, const uint8_t addr[16]) {
  if (!has_ipv6(key)) return;
  rewrite_pseudo(p, key, p->data + key->l3_ofs + 24, addr, 16);
  std::memcpy(key->ipv6_dst, addr, 16);
}

namespace {

// Sets the whole TOS / traffic-class byte.
void set_tos(Packet* p, FlowKey* key, uint8_t tos) {
  uint8_t* ip = p->data + key->l3_ofs;
  if (has_ipv4(key)) {
    uint8_t from[2] = {ip[0], ip[1]}, to[2] = {ip[0], tos};
    csum_replace(ip + 10, from, to, 2, false);
    ip[1] = tos;
  } else if (has_ipv6(key)) {
    // Version(4) | traffic class(8) | flow label(20); no IPv6 header checksum.
    ip[0] = uint8_t((ip[0] & 0xf0) | (tos >> 4));
    ip[1] = uint8_t((ip[1] & 0x0f) | (tos << 4));
  } else {
    return;
  }
  key->nw_tos = tos;
}

}  // namespace

void edit_ip_dscp(Packet* p, FlowKey* key, uint8_t dscp) { set_tos(p, key, uint8_t((dscp << 2) | (key->nw_tos & 3))); }

void edit_ip_ecn(Packet* p, FlowKey* key, uint8_t ecn) { set_tos(p, key, uint8_t((key->nw_tos & 0xfc) | (ecn & 3))); }

void edit_ip_ttl(Packet* p, FlowKey* key, uint8_t ttl) {
  uint8_t* ip = p->data + key->l3_ofs;
  if (has_ipv4(key)) {
    uint8_t from[2] = {ip[8], ip[9]}, to[2] = {ttl, ip[9]};
    csum_replace(ip + 10, from, to, 2, false);
    ip[8] = ttl;
  } else if (has_ipv6(key)) {
    ip[7] = ttl;
  } else {
    return;
  }
  key->nw_ttl = ttl;
}

bool edit_dec_ttl(Packet* p, FlowKey* key) {
  if (!has_ipv4(key) && !has_ipv6(key)) return true;  // OVS: no IP header, nothing to do
  if (key->nw_ttl <= 1) return false;
  edit_ip_ttl(p, key, uint8_t(key->nw_ttl - 1));
  return true;
}

namespace {

void set_port(Packet* p, FlowKey* key, uint32_t offset, uint16_t port) {
  if (key->l4_ofs == kOfsAbsent || (key->nw_frag & kNwFragLater)) return;
  if (key->nw_proto != kProtoTcp && key->nw_proto != kProtoUdp) return;
  uint8_t* at = p->data + key->l4_ofs + offset;
  uint8_t to[2] = {uint8_t(port >> 8), uint8_t(port)};
  // Ports are not in the pseudo-header: a partial checksum covers them later.
  if (!partial(p)) {
    if (uint8_t* l4 = l4_csum(p, key)) {
      csum_replace(l4, at, to, 2, false);
      if (key->nw_proto == kProtoUdp && get16(l4) == 0) put16(l4, 0xffff);
    }
  }
  std::memcpy(at, to, 2);
}

}  // namespace

void edit_tp_src(Packet* p, FlowKey* key, uint16_t port) {
  set_port(p, key, 0, port);
  if (key->l4_ofs != kOfsAbsent && !(key->nw_frag & kNwFragLater) && (key->nw_proto == kProtoTcp || key->nw_proto == kProtoUdp))
    key->tp_src = port;
}

void edit_tp_dst(Packet* p, FlowKey* key, uint16_t port) {
  set_port(p, key, 2, port);
  if (key->l4_ofs != kOfsAbsent && !(key->nw_frag & kNwFragLater) && (key->nw_proto == kProtoTcp || key->nw_proto == kProtoUdp))
    key->tp_dst = port;
}

}  // namespace nodeswitch
