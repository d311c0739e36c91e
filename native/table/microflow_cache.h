// Microflow cache: exact FlowKey → the cached result of the whole pipeline.
//
// What. In front of the OpenFlow classifier (one tuple-space search per table, each
// ~tens to hundreds of ns) sits an exact-match cache keyed by the packet's entire
// FlowKey, in_port included: a packet of a flow seen recently costs one hash of its
// key, one tag line and one 140-byte compare. The result is an opaque small POD
// (the datapath keeps an index into its own store of pipeline results: actions to
// run, rules whose counters it credits). Like OVS's EMC (dpif-netdev-dfc.h).
//
// Design. A fixed array of `entries` slots (a power of two, chosen at construction;
// nothing is allocated afterwards), grouped in sets of kWays. A key's set is the
// low bits of its 32-bit hash. Each set's tags (hash, generation) sit together —
// four ways in 32 bytes, two sets per cache line — apart from the keys and results,
// so a miss touches one line and a hit one line plus the entry. find() compares the
// full key after the tag matches, so a hash collision is never a wrong answer.
//
// Invalidation. Every table change can change any cached result, so the datapath
// calls invalidate_all(), which only bumps the generation: tags of an older
// generation read as empty. O(1) however full the cache; the one O(entries) clear
// happens when the 32-bit generation wraps (once per 4 billion changes).
//
// Replacement. insert() takes the way already holding the key (a racing re-insert),
// else the first stale/empty way, else evicts a way chosen by a rotating counter
// (round-robin over inserts): hits write nothing, keeping find() read-mostly (only
// the counters), and with 4 ways a busy flow survives 3 newcomers to its set.
//
// Cost (throwaway harness, -O2, this project's 2-core VM, under load): hash + find
// ~23 ns for a hit among a few hot flows, ~40 ns among 4096 live flows (the
// 140-byte compare reads the entry), ~30 ns for a miss.
//
// Sizing. 8192 entries (the default) × ~140 B (uint32_t result) ≈ 1.2 MB of entries
// + 64 KB of tags: bigger than L2 but hit lines stay warm for active flows; OVS's
// EMC also holds 8192. A table of many more concurrent flows than entries thrashes
// and falls back to the classifier, which is correct, just slower.
//
// Thread safety: none; the datapath thread owns it.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "parse/flow_key.h"
#include "table/flow_hash.h"

namespace nodeswitch {

struct MicroflowCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t inserts = 0;
  uint64_t evictions = 0;  // an insert replaced a live entry of the current generation
};

template <typename Result = uint32_t>
class MicroflowCache {
  static_assert(std::is_trivially_copyable_v<Result>, "Result is copied as plain bytes");

 public:
  static constexpr uint32_t kWays = 4;
  static constexpr uint32_t kDefaultEntries = 8192;

  // `entries` is rounded up to a power of two, at least kWays.
  explicit MicroflowCache(uint32_t entries = kDefaultEntries) {
    uint32_t n = kWays;
    while (n < entries) n <<= 1;
    entries_count_ = n;
    set_mask_ = n / kWays - 1;
    tags_.reset(new Tag[n]());
    slots_.reset(new Slot[n]());
  }

  static uint32_t hash(const FlowKey& k) { return flow_key_hash(k); }

  // The cached result for k (whose hash() is `hash`), or null. The pointer is
  // valid until the next insert() or invalidate_all().
  const Result* find(const FlowKey& k, uint32_t hash) {
    const uint32_t base = (hash & set_mask_) * kWays;
    for (uint32_t w = 0; w < kWays; w++) {
      const Tag& t = tags_[base + w];
      if (t.hash == hash && t.generation == generation_ && std::memcmp(&slots_[base + w].key, &k, sizeof k) == 0) {
        stats_.hits++;
        return &slots_[base + w].result;
      }
    }
    stats_.misses++;
    return nullptr;
  }

  void insert(const FlowKey& k, uint32_t hash, const Result& result) {
    const uint32_t base = (hash & set_mask_) * kWays;
    uint32_t way = kWays;
    for (uint32_t w = 0; w < kWays; w++) {
      const Tag& t = tags_[base + w];
      if (t.generation != generation_) {
        if (way == kWays) way = w;  // first free way, unless the key is here
      } else if (t.hash == hash && std::memcmp(&slots_[base + w].key, &k, sizeof k) == 0) {
        way = w;
        break;
      }
    }
    if (way == kWays) {
      way = victim_++ & (kWays - 1);
      stats_.evictions++;
    }
    tags_[base + way] = Tag{hash, generation_};
    slots_[base + way].key = k;
    slots_[base + way].result = result;
    stats_.inserts++;
  }

  // Every entry reads as a miss from now on. O(1).
  void invalidate_all() {
    if (++generation_ == 0) {
      for (uint32_t i = 0; i < entries_count_; i++) tags_[i] = Tag{};
      generation_ = 1;
    }
  }

  uint32_t capacity() const { return entries_count_; }
  const MicroflowCacheStats& stats() const { return stats_; }

 private:
  struct Tag {
    uint32_t hash = 0;
    uint32_t generation = 0;  // 0: never filled
  };
  struct Slot {
    FlowKey key;
    Result result;
  };

  std::unique_ptr<Tag[]> tags_;
  std::unique_ptr<Slot[]> slots_;
  uint32_t entries_count_;
  uint32_t set_mask_;
  uint32_t generation_ = 1;
  uint32_t victim_ = 0;
  MicroflowCacheStats stats_;
};

extern template class MicroflowCache<uint32_t>;

}  // namespace nodeswitch
