#include "table/mac_table.h"

#include <cstring>

namespace nodeswitch {

namespace {

uint32_t bucket_count_for(uint32_t capacity) {
  uint32_t n = 16;
  while (n < capacity) n <<= 1;
  return n;
}

}  // namespace

MacTable::MacTable(uint32_t capacity) { resize(capacity); }

uint32_t MacTable::bucket_of(const MacAddr& mac, uint16_t vlan) const {
  // Multiplicative hash of the 48-bit MAC and the 12-bit VID: cheap, and the low
  // bits of a MAC (the NIC-specific part) carry the entropy.
  // Two loads, not a 6-byte memcpy into a zeroed word: that pattern stalls on store
  // forwarding (~25% of a cache-hit replay was this line).
  uint32_t lo;
  uint16_t hi;
  std::memcpy(&lo, mac.b, 4);
  std::memcpy(&hi, mac.b + 4, 2);
  uint64_t k = uint64_t(lo) | uint64_t(hi) << 32 | uint64_t(vlan) << 48;
  k *= 0x9E3779B97F4A7C15ull;
  return uint32_t(k >> 32) & bucket_mask_;
}

uint32_t MacTable::find(const MacAddr& mac, uint16_t vlan) const {
  for (uint32_t i = buckets_[bucket_of(mac, vlan)]; i != kNil; i = entries_[i].next_in_bucket) {
    if (entries_[i].vlan == vlan && entries_[i].mac == mac) return i;
  }
  return kNil;
}

uint16_t MacTable::lookup(const MacAddr& mac, uint16_t vlan) const {
  uint32_t i = find(mac, vlan);
  return i == kNil ? kNoSlot : entries_[i].slot;
}

MacTable::Learn MacTable::learn(const MacAddr& mac, uint16_t vlan, uint16_t slot, uint32_t now, bool* evicted) {
  *evicted = false;
  uint32_t i = find(mac, vlan);
  if (i != kNil) {
    Entry& e = entries_[i];
    Learn result = Learn::kRefreshed;
    if (e.slot != slot) {
      e.slot = slot;
      result = Learn::kMoved;
      version_++;
    }
    e.last_seen = now;
    if (i != lru_tail_) {
      lru_unlink(i);
      lru_append(i);
    }
    return result;
  }
  if (free_head_ == kNil) {
    remove(lru_head_);
    *evicted = true;
  }
  i = free_head_;
  free_head_ = entries_[i].next_in_bucket;
  Entry& e = entries_[i];
  e.mac = mac;
  e.vlan = vlan;
  e.slot = slot;
  e.last_seen = now;
  uint32_t b = bucket_of(mac, vlan);
  e.next_in_bucket = buckets_[b];
  buckets_[b] = i;
  lru_append(i);
  size_++;
  version_++;
  return Learn::kLearned;
}

void MacTable::remove(uint32_t index) {
  uint32_t* link = &buckets_[bucket_of(entries_[index].mac, entries_[index].vlan)];
  while (*link != index) link = &entries_[*link].next_in_bucket;
  *link = entries_[index].next_in_bucket;
  lru_unlink(index);
  entries_[index].next_in_bucket = free_head_;
  free_head_ = index;
  size_--;
  version_++;
}

void MacTable::lru_unlink(uint32_t index) {
  Entry& e = entries_[index];
  if (e.lru_prev != kNil) entries_[e.lru_prev].lru_next = e.lru_next;
  else lru_head_ = e.lru_next;
  if (e.lru_next != kNil) entries_[e.lru_next].lru_prev = e.lru_prev;
  else lru_tail_ = e.lru_prev;
  e.lru_prev = e.lru_next = kNil;
}

void MacTable::lru_append(uint32_t index) {
  Entry& e = entries_[index];
  e.lru_prev = lru_tail_;
  e.lru_next = kNil;
  if (lru_tail_ != kNil) entries_[lru_tail_].lru_next = index;
  else lru_head_ = index;
  lru_tail_ = index;
}

uint32_t MacTable::expire(uint32_t now, uint32_t max_age) {
  uint32_t n = 0;
  // Strictly older: timestamps are whole seconds, so `>=` would expire a station
  // seen 0.01 s before a second boundary up to a second early.
  while (lru_head_ != kNil && now - entries_[lru_head_].last_seen > max_age) {
    remove(lru_head_);
    n++;
  }
  return n;
}

void MacTable::flush_slot(uint16_t slot) {
  for (uint32_t i = lru_head_; i != kNil;) {
    uint32_t next = entries_[i].lru_next;
    if (entries_[i].slot == slot) remove(i);
    i = next;
  }
}

void MacTable::flush() {
  while (lru_head_ != kNil) remove(lru_head_);
}

uint32_t MacTable::resize(uint32_t capacity) {
  std::vector<Entry> old;
  for_each([&](const Entry& e) { old.push_back(e); });
  capacity_ = capacity;
  entries_.assign(capacity, Entry{});
  buckets_.assign(bucket_count_for(capacity), kNil);
  bucket_mask_ = uint32_t(buckets_.size() - 1);
  for (uint32_t i = 0; i < capacity; i++) entries_[i].next_in_bucket = i + 1 < capacity ? i + 1 : kNil;
  free_head_ = capacity ? 0 : kNil;
  lru_head_ = lru_tail_ = kNil;
  size_ = 0;
  version_++;
  // Re-learn oldest first so the newest survive and the LRU order is kept.
  uint32_t skip = old.size() > capacity ? uint32_t(old.size() - capacity) : 0;
  bool evicted;
  for (size_t k = skip; k < old.size(); k++) learn(old[k].mac, old[k].vlan, old[k].slot, old[k].last_seen, &evicted);
  return skip;
}

}  // namespace nodeswitch
