// The megaflow classifier: wildcarded cache entries (mask, masked key) found by
// tuple space search, as Open vSwitch's dpcls.
//
// What. Each entry caches the translation of every packet whose key, under the
// entry's mask, equals the entry's key; the mask holds exactly the bits the
// translation consulted (pipeline.h). Entries never overlap in meaning — a key
// matching two entries gets the same translation from both — so lookup takes the
// first hit and there are no priorities.
//
// Design. One subtable per distinct mask (masked_words.h: only the mask's words are
// masked, hashed and compared), open addressing inside (hash_buckets.h). Subtables
// are searched most-hit first; sort_by_hits() re-orders them (every 64k lookups,
// and the datapath calls it once a second) and halves the counts, so the order
// follows the recent traffic. A bridge running only NORMAL has one mask (in_port, VLAN, MACs):
// a lookup is one mask + hash + probe of four words.
//
// Nodes are the caller's (the pipeline's Megaflow derives from MegaflowNode); the
// table links them, never allocates or frees one. Thread safety: none, the
// datapath thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "parse/flow_key.h"
#include "table/flow_hash.h"
#include "table/hash_buckets.h"
#include "table/masked_words.h"

namespace nodeswitch {

class MegaflowTable;

struct MegaflowNode {
  FlowKey key{};  // masked by its subtable's mask (insert() masks it)

 private:
  friend class MegaflowTable;
  void* subtable_ = nullptr;  // while inserted
  uint32_t hash_ = 0;
};

class MegaflowTable {
 public:
  MegaflowTable() = default;
  MegaflowTable(const MegaflowTable&) = delete;
  MegaflowTable& operator=(const MegaflowTable&) = delete;

  // The entry matching k, or null. Allocation-free.
  MegaflowNode* lookup(const FlowKey& k);
  // The mask to install a megaflow consulting `wc` under: wc itself while there are
  // fewer than max_masks masks (or it is one of them); else the most general mask
  // present that holds every bit of wc; else wc with every field it touches made
  // whole (so that, say, all the prefix lengths of nw_src that prefix tracking
  // consulted become one mask); past twice max_masks, the exact mask. Installing
  // under more bits than were consulted is always right, only less general; it
  // keeps the number of masks — the cost of every megaflow lookup — bounded.
  FlowKey coalesce(const FlowKey& wc, size_t max_masks) const;
  // Adds n under `mask`; no entry with the same mask and masked key may be present
  // (there is none after a lookup of a key it matches missed).
  void insert(MegaflowNode* n, const FlowKey& mask);
  void remove(MegaflowNode* n);
  static const FlowKey& mask_of(const MegaflowNode& n);
  void sort_by_hits();

  size_t size() const { return size_; }
  size_t subtable_count() const { return order_.size(); }

 private:
  struct Subtable {
    MaskedWords words;
    HashBuckets<MegaflowNode> nodes;
    uint64_t hits = 0;
    explicit Subtable(const FlowKey& m) : words(m) {}
  };
  struct MaskHash {
    size_t operator()(const FlowKey& k) const { return flow_key_hash(k); }
  };
  struct MaskEq {
    bool operator()(const FlowKey& a, const FlowKey& b) const { return flow_key_equal(a, b); }
  };

  // Re-sorted every kSortEvery lookups as well as once a second: a replay runs
  // millions of packets between two housekeeping rounds.
  static constexpr uint64_t kSortEvery = 65536;
  uint64_t lookups_ = 0;
  std::vector<Subtable*> order_;  // most hits first
  std::unordered_map<FlowKey, std::unique_ptr<Subtable>, MaskHash, MaskEq> by_mask_;
  size_t size_ = 0;
};

}  // namespace nodeswitch
