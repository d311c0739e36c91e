#include "dp/mirror.h"

#include <cstring>
#include <stdexcept>

#include "dp/burst_loop.h"
#include "dp/port_set.h"

namespace nodeswitch {

namespace {

// Whether `port` carries `vlan` on output (RSPAN floods to such ports): OVS's
// xbundle_includes_vlan (vlan.h), less access ports — the copies go tagged.
bool carries_vlan(const PortSlot& port, uint16_t vlan) { return port.vlan.mode != VlanMode::kAccess && port.vlan.includes(vlan); }

// 01:80:c2:00:00:0x, the 802.1D reserved group: never RSPAN'ed (OVS: eth_addr_is_reserved).
bool reserved_dst(const MacAddr& m) {
  return m.b[0] == 0x01 && m.b[1] == 0x80 && m.b[2] == 0xc2 && m.b[3] == 0 && m.b[4] == 0 && (m.b[5] & 0xf0) == 0;
}

}  // namespace

MirrorSet::MirrorSet(PortSet& ports) : ports_(ports) {}

void MirrorSet::configure(std::vector<MirrorConfig> mirrors) {
  if (mirrors.size() > kMaxMirrors) throw std::runtime_error("at most 32 mirrors per bridge");
  std::vector<MirrorStats> stats;
  bool rspan = false;
  for (const MirrorConfig& m : mirrors) {
    if ((m.output_port == 0) == (m.output_vlan == 0))
      throw std::runtime_error("mirror " + m.name + ": one output, a port or a VLAN");
    MirrorStats s{m.name};
    for (const MirrorStats& old : stats_) {
      if (old.name == m.name) s = old;
    }
    stats.push_back(s);
    rspan |= m.output_vlan != 0;
  }
  if (rspan && !copy_mem_) copy_mem_.reset(new uint8_t[size_t(kCopies) * kCopySize]);
  mirrors_ = std::move(mirrors);
  stats_ = std::move(stats);
  rebuild();
}

void MirrorSet::rebuild() {
  size_t slots = 0;
  for (uint16_t s : ports_.active()) slots = s + 1u > slots ? s + 1u : slots;
  src_.assign(mirrors_.empty() ? 0 : slots, 0);
  dst_.assign(src_.size(), 0);
  out_.assign(src_.size(), 0);
  compiled_.assign(mirrors_.size(), Compiled{});
  for (size_t i = 0; i < mirrors_.size(); i++) {
    const MirrorConfig& m = mirrors_[i];
    Compiled& c = compiled_[i];
    const uint32_t bit = 1u << i;
    c.out_slot = m.output_port ? ports_.slot_of(m.output_port) : kNoSlot;
    c.out_vlan = m.output_vlan;
    c.by_vlan = !m.select_vlan.empty();
    for (uint16_t v : m.select_vlan) c.vlans.set(v & 0xfff);
    c.dups = 0;
    for (size_t j = 0; j < mirrors_.size(); j++) {
      const MirrorConfig& o = mirrors_[j];
      if (m.output_port ? o.output_port == m.output_port : o.output_vlan == m.output_vlan) c.dups |= 1u << j;
    }
    if (c.out_slot != kNoSlot) out_[c.out_slot] = 1;
    if (m.select_all) {
      // Every port but the mirror's own output: its copies are not traffic to mirror.
      for (uint16_t s : ports_.active()) {
        if (s != c.out_slot) src_[s] |= bit, dst_[s] |= bit;
      }
      continue;
    }
    for (uint16_t ofport : m.select_src) {
      uint16_t s = ports_.slot_of(ofport);
      if (s != kNoSlot && s != c.out_slot) src_[s] |= bit;
    }
    for (uint16_t ofport : m.select_dst) {
      uint16_t s = ports_.slot_of(ofport);
      if (s != kNoSlot && s != c.out_slot) dst_[s] |= bit;
    }
  }
}

std::vector<MirrorStats> MirrorSet::stats() const { return stats_; }

std::vector<uint16_t> MirrorSet::output_slots() const {
  std::vector<uint16_t> out;
  for (size_t s = 0; s < out_.size(); s++) {
    if (out_[s]) out.push_back(uint16_t(s));
  }
  return out;
}

bool MirrorSet::emit(BurstLoop& loop, Packet* p, const FlowKey& key, uint16_t vid, uint16_t in_slot, uint32_t candidates,
                     uint32_t* done) {
  bool queued = false;
  // A copy may go to a port that is another mirror's destination: those come back
  // through loop.pending_mirrors(), handled in the same pass.
  for (uint32_t left = candidates & ~*done; left; left = (left | loop.pending_mirrors()) & ~*done) {
    uint32_t i = uint32_t(__builtin_ctz(left));
    const Compiled& c = compiled_[i];
    if (c.by_vlan && !c.vlans.test(vid)) {
      *done |= 1u << i;  // the VLAN does not change within the packet: never selected
      continue;
    }
    *done |= c.dups;
    MirrorStats& s = stats_[i];
    if (c.out_vlan == 0) {
      if (c.out_slot == kNoSlot || c.out_slot == in_slot || !ports_[c.out_slot].usable()) continue;
      loop.enqueue(ports_[c.out_slot], p);
      queued = true;
    } else {
      // OVS: a packet already in the RSPAN VLAN, or to a reserved group, is not copied.
      if (vid == c.out_vlan || reserved_dst(key.dl_dst)) continue;
      rspan(loop, p, key, c.out_vlan);
    }
    s.packets++;
    s.bytes += p->len;
  }
  return queued;
}

// As OVS (mirror_packet): every port carrying the VLAN but mirror outputs — the
// ingress port too, when it carries it (an RSPAN source is usually an access port).
void MirrorSet::rspan(BurstLoop& loop, Packet* p, const FlowKey& key, uint16_t out_vlan) {
  Packet* copy = nullptr;
  for (uint16_t o : ports_.active()) {
    const PortSlot& port = ports_[o];
    if (out_[o] || !port.usable() || !carries_vlan(port, out_vlan)) continue;
    if (!copy && !(copy = tagged_copy(loop, p, key, out_vlan))) return;
    loop.enqueue(ports_[o], copy);
  }
}

// The frame with its outer VID set to `vlan` (PCP kept), or an 802.1Q tag pushed
// when it has none — what OVS's output to a trunk in the RSPAN VLAN makes of it.
Packet* MirrorSet::tagged_copy(BurstLoop& loop, const Packet* p, const FlowKey& key, uint16_t vlan) {
  if (p->len < 14 || p->len + 4 > kCopySize) return nullptr;
  if (copies_used_ == kCopies) loop.flush_outputs();  // every queue sent: the pool is free
  Packet* c = &copies_[copies_used_++];
  *c = *p;
  c->data = copy_mem_.get() + size_t(copies_used_ - 1) * kCopySize;
  const bool tagged = (key.vlan_tci & kVlanPresent) && p->len >= 18;
  if (tagged) {
    std::memcpy(c->data, p->data, p->len);
    c->data[14] = uint8_t((c->data[14] & 0xf0) | (vlan >> 8));
    c->data[15] = uint8_t(vlan);
    return c;
  }
  std::memcpy(c->data, p->data, 12);
  c->data[12] = 0x81, c->data[13] = 0x00;
  c->data[14] = uint8_t(vlan >> 8), c->data[15] = uint8_t(vlan);
  std::memcpy(c->data + 16, p->data + 12, p->len - 12);
  c->len = p->len + 4;
  // Offload offsets count from the frame's start: the tag moved the headers.
  if (c->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) c->vnet.csum_start = uint16_t(c->vnet.csum_start + 4);
  if (c->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE) c->vnet.hdr_len = uint16_t(c->vnet.hdr_len + 4);
  return c;
}

}  // namespace nodeswitch
