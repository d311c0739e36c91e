// MAC learning table: (MAC, VLAN) → port, with aging and a size limit. Ports are
// the datapath's port slots (dp/port_slot.h), not OpenFlow port numbers.
//
// Design. A fixed pool of `capacity` entries, chained hash buckets (a power of two,
// at least the capacity, so chains stay ~1 long), and one doubly linked list in
// order of last sighting: the head is the oldest entry. That list gives both aging
// (walk from the head while entries are older than the limit) and eviction when the
// table is full (take the head) in O(1) per entry, as Open vSwitch's mac-learning
// does with its LRU list.
//
// Refreshing an entry moves it to the tail unless it is there already: a few
// pointer writes into entries that are hot in cache anyway, and the order is an
// exact LRU, which the tests check against a naive model.
//
// Thread safety: none; the datapath thread owns it. Commands that read it (fdb
// dumps) run on that thread between bursts.
#pragma once

#include <cstdint>
#include <vector>

#include "parse/flow_key.h"

namespace nodeswitch {

class MacTable {
 public:
  static constexpr uint16_t kNoSlot = 0xffff;

  enum class Learn : uint8_t { kRefreshed, kLearned, kMoved };

  struct Entry {
    MacAddr mac;
    uint16_t vlan;
    uint16_t slot;
    uint32_t last_seen;  // seconds, datapath clock
    uint32_t next_in_bucket, lru_prev, lru_next;
  };

  explicit MacTable(uint32_t capacity);

  // Records that `mac` on `vlan` was seen on the port in `slot` at `now`. `evicted` is set when
  // a full table had to drop its oldest entry to make room.
  Learn learn(const MacAddr& mac, uint16_t vlan, uint16_t slot, uint32_t now, bool* evicted);
  // The slot of the port `mac` was learned on, or kNoSlot.
  uint16_t lookup(const MacAddr& mac, uint16_t vlan) const;

  // Removes entries not seen for more than `max_age` seconds; returns how many.
  uint32_t expire(uint32_t now, uint32_t max_age);
  // Removes every entry on the port in `slot` (the port went away).
  void flush_slot(uint16_t slot);
  void flush();
  // Changes the size limit; keeps the newest entries that fit. Returns how many were dropped.
  uint32_t resize(uint32_t capacity);

  uint32_t size() const { return size_; }
  // Changes whenever a (MAC, VLAN) → port mapping appears, moves or goes, so callers
  // may remember a lookup's answer while it stays the same. A refresh leaves it.
  uint64_t version() const { return version_; }
  uint32_t capacity() const { return capacity_; }

  // Visits entries from the oldest to the newest.
  template <typename F>
  void for_each(F&& f) const {
    for (uint32_t i = lru_head_; i != kNil; i = entries_[i].lru_next) f(entries_[i]);
  }

 private:
  static constexpr uint32_t kNil = 0xffffffff;

  uint32_t bucket_of(const MacAddr& mac, uint16_t vlan) const;
  uint32_t find(const MacAddr& mac, uint16_t vlan) const;
  void remove(uint32_t index);
  void lru_unlink(uint32_t index);
  void lru_append(uint32_t index);

  uint32_t capacity_;
  uint32_t size_ = 0;
  uint64_t version_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> buckets_;
  uint32_t bucket_mask_;
  uint32_t free_head_ = kNil;  // free entries, chained through next_in_bucket
  uint32_t lru_head_ = kNil, lru_tail_ = kNil;
};

}  // namespace nodeswitch
