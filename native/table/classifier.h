// OpenFlow classifier: one flow table's rules, and the lookup "highest-priority
// rule whose match the packet satisfies".
//
// What. A rule is a match — (key, mask) over FlowKey, mask bit 1 = "this bit must
// equal the key's" — and a priority 0..65535. lookup(k) returns the highest-priority
// rule with (k & mask) == key, or null. Rules are the caller's (the datapath's flow
// table embeds a Rule in each flow entry); the classifier links them intrusively and
// never allocates or frees one. The outcome between two overlapping rules of equal
// priority is unspecified, as in OpenFlow (check_overlap exists to refuse them).
//
// Design: tuple space search, as Open vSwitch's classifier.c. Rules with the same
// mask live in one "subtable", a hash table keyed by the masked key, so a packet
// is checked against a subtable with one hash and one compare whatever the number
// of rules in it: mask the packet's key, hash, probe. Each subtable remembers the
// highest priority it holds; subtables are kept sorted by that, searched in that
// order, and the search stops as soon as the best match so far has a priority >=
// the next subtable's maximum — nothing further on can beat it. A packet meets at
// most one masked key per subtable, and rules sharing that masked key (same match,
// different priorities) hang off it in a chain sorted by decreasing priority, so
// the chain's head is the subtable's answer.
//
// Hashing only what the mask covers. When a subtable is made, the mask's non-zero
// 8-byte words are listed (flow_hash.h has which fields fall in which word); lookup
// masks, hashes and compares only those: 2 words for in_port+dl_dst, 4 for a
// 5-tuple, 0 for the match-everything rule, instead of all 17.
//
// Hash tables: open addressing with linear probing, load <= 1/2, removal by
// backward shift (no tombstones). The 32-bit hashes and the chain heads are two
// parallel arrays, so a probe reads 4-byte hashes and dereferences a rule only
// when its hash matches: a miss (the common case — most subtables do not hold
// the packet) never leaves the hash array.
//
// Cost. lookup = sum over the subtables it visits of (mask + hash + probe of the
// mask's words, and the rule's key on a hash match), so it grows with the number
// of distinct masks whose maximum priority is above the answer, not with the
// number of rules. Measured (throwaway harness, -O2, one core of the 2-vCPU EPYC
// dev VM, medians of 3 runs): ~13 ns per subtable when the tables are in cache
// (20 masks x 1 rule: 260 ns for a lookup that matches nothing); 20 masks x 500
// rules (10k rules, random priorities): 650 ns no match, 890 ns to find a rule
// (the rules' keys are cache misses); 1 mask x 10k rules: 45 ns / 70 ns. That is
// why the microflow cache (microflow_cache.h, ~55 ns per hit) sits in front.
// insert/remove: O(1) expected plus O(log p) for the per-subtable priority counts
// and O(S) to re-place the subtable in the priority order when its maximum
// changes; they may allocate (control path), lookup never does.
//
// Thread safety: none; the datapath thread owns it, and flow-mods reach it as
// commands applied between bursts. lookup() is const, allocation-free and lock-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "parse/flow_key.h"
#include "table/flow_hash.h"

namespace nodeswitch {

class Classifier;
struct ClassifierSubtable;

struct Rule {
  FlowKey key{};   // pre-masked: insert() clears the bits outside mask
  FlowKey mask{};  // 1 = must match
  uint16_t priority = 0;
  void* owner = nullptr;  // the caller's: e.g. the flow entry this rule belongs to

  bool inserted() const { return subtable_ != nullptr; }

 private:
  friend class Classifier;
  ClassifierSubtable* subtable_ = nullptr;  // set while inserted
  Rule* next_ = nullptr;                    // same masked key, lower priority
  uint32_t hash_ = 0;                       // of the masked key, in its subtable
};

// True when some packet could match both (k1, m1) and (k2, m2): the keys agree on
// every bit both masks care about. OpenFlow check_overlap (with equal priorities).
bool overlaps(const FlowKey& k1, const FlowKey& m1, const FlowKey& k2, const FlowKey& m2);

// True when r's match is covered by (key, mask): r cares about every bit mask does
// (and maybe more) and agrees with key on them, so every packet r matches also
// matches (key, mask). OpenFlow non-strict modify/delete select rules this way.
bool match_covers(const FlowKey& key, const FlowKey& mask, const Rule& r);

// One mask's rules (internal to Classifier; here for for_each).
struct ClassifierSubtable {
  FlowKey mask;
  int n_words = 0;
  // The mask's non-zero words as (byte offset, mask value) pairs, so that a word is
  // one unaligned 8-byte load: the 4-byte tail word is loaded from offset 124 with
  // the 4 bytes it shares with word 15 masked off.
  uint8_t offsets[kFlowKeyWords];
  uint64_t mask_words[kFlowKeyWords];
  uint32_t n_rules = 0;
  uint32_t n_keys = 0;                      // occupied buckets (distinct masked keys)
  std::map<uint16_t, uint32_t> priorities;  // priority → number of rules
  // Buckets as two arrays, so a probe walks 4-byte hashes and touches a rule only
  // when the hash matches. hash 0 = empty (a key's hash is never 0).
  std::vector<uint32_t> hashes;
  std::vector<Rule*> heads;  // the chain's highest-priority rule
  uint32_t bucket_mask = 0;

  explicit ClassifierSubtable(const FlowKey& m);

  static uint64_t load(const FlowKey& k, unsigned offset) {
    uint64_t w;
    std::memcpy(&w, reinterpret_cast<const uint8_t*>(&k) + offset, 8);
    return w;
  }
  // The masked words of k, packed (n_words of them), and their hash.
  uint32_t masked_words(const FlowKey& k, uint64_t* out) const {
    for (int j = 0; j < n_words; j++) out[j] = load(k, offsets[j]) & mask_words[j];
    uint32_t h = hash_words(out, n_words);
    return h + (h == 0);
  }
  bool key_equals(const Rule& r, const uint64_t* m) const {
    for (int j = 0; j < n_words; j++) {
      if ((load(r.key, offsets[j]) & mask_words[j]) != m[j]) return false;
    }
    return true;
  }
  // Index of the bucket holding masked key m (hash h), or of the empty bucket
  // where it would go.
  uint32_t probe(const uint64_t* m, uint32_t h) const {
    for (uint32_t i = h & bucket_mask;; i = (i + 1) & bucket_mask) {
      if (hashes[i] == 0 || (hashes[i] == h && key_equals(*heads[i], m))) return i;
    }
  }
  uint16_t max_priority() const { return priorities.rbegin()->first; }
};

class Classifier {
 public:
  Classifier() = default;
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;
  // Leaves the rules alone (still marked inserted): remove them first if they live on.
  ~Classifier() = default;

  // Adds r (masking its key). The caller guarantees that no rule with the same
  // (mask, key, priority) is present (find_exact first: OpenFlow add replaces).
  void insert(Rule* r);
  // Takes r out; r must be in this classifier.
  void remove(Rule* r);

  // The highest-priority rule matching k, or null. Allocation-free.
  Rule* lookup(const FlowKey& k) const;

  // The rule with exactly this match and priority (OpenFlow *_STRICT), or null.
  // key need not be pre-masked.
  Rule* find_exact(const FlowKey& key, const FlowKey& mask, uint16_t priority) const;

  // Calls f(Rule*) for every rule, subtables in decreasing max priority, each
  // chain in decreasing priority. f must not insert or remove: collect, then change.
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : order_) {
      for (Rule* head : s.st->heads) {
        for (Rule* r = head; r; r = r->next_) f(r);
      }
    }
  }

  size_t size() const { return size_; }
  size_t subtable_count() const { return order_.size(); }

 private:
  // Subtables in decreasing order of their maximum priority; the maximum is copied
  // here so the lookup loop's stop test reads this array only.
  struct Slot {
    uint32_t max_priority;
    ClassifierSubtable* st;
  };
  struct MaskHash {
    size_t operator()(const FlowKey& k) const { return flow_key_hash(k); }
  };
  struct MaskEq {
    bool operator()(const FlowKey& a, const FlowKey& b) const { return flow_key_equal(a, b); }
  };

  ClassifierSubtable* subtable_for(const FlowKey& mask);
  void reorder(ClassifierSubtable* st);
  void drop_subtable(ClassifierSubtable* st);

  std::vector<Slot> order_;
  std::unordered_map<FlowKey, std::unique_ptr<ClassifierSubtable>, MaskHash, MaskEq> subtables_;
  size_t size_ = 0;
};

}  // namespace nodeswitch
