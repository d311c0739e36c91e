#include "dp/group_table.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "table/flow_hash.h"

namespace nodeswitch {

void GroupTable::set(Group g) {
  if (g.buckets.size() > kMaxBuckets) throw std::runtime_error("group " + std::to_string(g.id) + ": too many buckets");
  if (g.type == GroupType::kIndirect && g.buckets.size() != 1) {
    throw std::runtime_error("group " + std::to_string(g.id) + ": an indirect group has exactly one bucket");
  }
  g.total_weight = 0;
  for (GroupBucket& b : g.buckets) {
    b.counter = {};
    if (g.type == GroupType::kSelect) g.total_weight += b.weight;
  }
  auto it = groups_.find(g.id);
  if (it == groups_.end()) {
    groups_.emplace(g.id, std::make_unique<Group>(std::move(g)));
  } else {
    GroupCounter kept = it->second->counter;
    *it->second = std::move(g);
    it->second->counter = kept;
  }
  rebuild_watched();
}

bool GroupTable::remove(uint32_t id) {
  bool gone = groups_.erase(id) != 0;
  if (gone) rebuild_watched();
  return gone;
}

Group* GroupTable::find(uint32_t id) {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::vector<GroupStats> GroupTable::stats() const {
  std::vector<GroupStats> out;
  out.reserve(groups_.size());
  for (const auto& [id, g] : groups_) {
    GroupStats s{id, g->counter.n_packets, g->counter.n_bytes, {}};
    for (const GroupBucket& b : g->buckets) s.buckets.push_back(b.counter);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const GroupStats& a, const GroupStats& b) { return a.id < b.id; });
  return out;
}

// ---- liveness -----------------------------------------------------------------

// As Open vSwitch's bucket_is_alive: a bucket that watches nothing is live.
bool GroupTable::bucket_live(const GroupBucket& b, int depth) {
  if (b.watch_port == kOfppAny && b.watch_group == kOfpgAny) return true;
  if (b.watch_port != kOfppAny && port_live_ && port_live_(b.watch_port)) return true;
  return b.watch_group != kOfpgAny && group_live(b.watch_group, depth + 1);
}

// A group is live when one of its buckets is (OpenFlow 1.3, 6.5).
bool GroupTable::group_live(uint32_t id, int depth) {
  if (depth > kMaxChain) return false;
  Group* g = find(id);
  if (!g) return false;
  for (const GroupBucket& b : g->buckets) {
    if (bucket_live(b, depth)) return true;
  }
  return false;
}

GroupBucket* GroupTable::first_live(Group& g) {
  for (GroupBucket& b : g.buckets) {
    if (bucket_live(b)) return &b;
  }
  return nullptr;
}

void GroupTable::rebuild_watched() {
  std::vector<std::pair<uint32_t, bool>> next;
  for (const auto& [id, g] : groups_) {
    for (const GroupBucket& b : g->buckets) {
      if (b.watch_port == kOfppAny) continue;
      bool seen = std::any_of(next.begin(), next.end(), [&](const auto& w) { return w.first == b.watch_port; });
      if (!seen) next.push_back({b.watch_port, port_live_ && port_live_(b.watch_port)});
    }
  }
  watched_ = std::move(next);
}

bool GroupTable::liveness_changed() {
  bool changed = false;
  for (auto& [port, live] : watched_) {
    bool now = port_live_ && port_live_(port);
    if (now != live) {
      live = now;
      changed = true;
    }
  }
  return changed;
}

// ---- select -------------------------------------------------------------------

uint32_t GroupTable::select_hash(const FlowKey& k, FlowKey* wc) {
  // Symmetric: each source/destination pair is xored, as flow_hash_symmetric_l4 does.
  uint64_t mac_s = 0, mac_d = 0;
  std::memcpy(&mac_s, k.dl_src.b, 6);
  std::memcpy(&mac_d, k.dl_dst.b, 6);
  uint64_t v6[4];
  std::memcpy(v6, k.ipv6_src, 16);
  std::memcpy(v6 + 2, k.ipv6_dst, 16);
  uint64_t a = (mac_s ^ mac_d) ^ (uint64_t(k.nw_src ^ k.nw_dst) << 16);
  uint64_t b = uint64_t(k.dl_type) << 48 | uint64_t(k.vlan_tci & 0x0fff) << 32 | uint64_t(k.nw_proto) << 16 |
               uint16_t(k.tp_src ^ k.tp_dst);
  b ^= hash_mum((v6[0] ^ v6[2]) ^ kHashSecret[2], (v6[1] ^ v6[3]) ^ kHashSecret[3]);
  uint64_t h = hash_mum(a ^ kHashSecret[0], b ^ kHashSecret[1]);

  std::memset(wc->dl_src.b, 0xff, 6);
  std::memset(wc->dl_dst.b, 0xff, 6);
  wc->dl_type = 0xffff;
  wc->vlan_tci |= 0x0fff;
  wc->nw_src = wc->nw_dst = ~0u;
  std::memset(wc->ipv6_src, 0xff, 16);
  std::memset(wc->ipv6_dst, 0xff, 16);
  wc->nw_proto = 0xff;
  wc->tp_src = wc->tp_dst = 0xffff;
  return uint32_t(h ^ (h >> 32));
}

GroupBucket* GroupTable::choose(Group& g, uint32_t hash) {
  if (g.total_weight == 0) return nullptr;
  // hash * total >> 32: the hash's place in [0, total), without a division's bias.
  uint64_t at = (uint64_t(hash) * g.total_weight) >> 32;
  for (GroupBucket& b : g.buckets) {
    if (at < b.weight) return &b;
    at -= b.weight;
  }
  return &g.buckets.back();
}

}  // namespace nodeswitch
