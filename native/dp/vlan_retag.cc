#include "dp/vlan_retag.h"

#include <cstring>

namespace nodeswitch {
namespace {

constexpr uint32_t kVlanHeaderLen = 4;

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

// The outer tag's TPIDs, as parse_flow_key reads them (it is the key's vlan_tci
// the pipeline turned into NORMAL's VLAN).
bool is_outer_tpid(uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

// Offload offsets count from the frame's start: they move with the tag.
void shift_vnet(Packet* p, int delta) {
  if (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) p->vnet.csum_start = uint16_t(p->vnet.csum_start + delta);
  if (p->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE) p->vnet.hdr_len = uint16_t(p->vnet.hdr_len + delta);
}

}  // namespace

Packet* VlanRetag::retag(Packet* p, uint16_t vid) {
  const uint8_t* d = p->data;
  bool tagged = p->len >= 14 + kVlanHeaderLen && is_outer_tpid(get16(d + 12));
  uint16_t tci = tagged ? get16(d + 14) : 0;
  if (vid == 0 ? !tagged : tagged && (tci & 0x0fff) == vid) return p;

  size_t need = p->len + kVlanHeaderLen;
  if (n_ == kCopies || kBytes - used_ < need) return nullptr;
  Packet* c = &copies_[n_++];
  *c = *p;
  c->data = bytes_.get() + used_;
  uint8_t* o = c->data;
  std::memcpy(o, d, 12);  // the addresses
  if (vid == 0) {         // pop
    std::memcpy(o + 12, d + 16, p->len - 16);
    c->len = p->len - kVlanHeaderLen;
    shift_vnet(c, -int(kVlanHeaderLen));
  } else if (tagged) {  // another VID: keep TPID, PCP and DEI
    std::memcpy(o + 12, d + 12, p->len - 12);
    put16(o + 14, uint16_t((tci & 0xf000) | vid));
  } else {  // push
    put16(o + 12, 0x8100);
    put16(o + 14, vid);
    std::memcpy(o + 16, d + 12, p->len - 12);
    c->len = p->len + kVlanHeaderLen;
    shift_vnet(c, int(kVlanHeaderLen));
  }
  used_ += (c->len + 63) & ~size_t(63);  // each copy on its own cache lines
  return c;
}

}  // namespace nodeswitch
