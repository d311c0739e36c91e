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
// Hashing only what the mask covers: a subtable masks, hashes and compares only
// the words its mask has bits in (masked_words.h): 2 words for in_port+dl_dst, 4
// for a 5-tuple, 0 for the match-everything rule, instead of all 18.
//
// Staged lookup, and what a lookup consulted. The megaflow cache (megaflow.h)
// caches a translation under the bits of the key it consulted, so lookup() can
// report them: it ORs into *wc the mask bits it looked at. A subtable's mask is cut
// into four stages, as Open vSwitch's classifier cuts it — metadata (in_port,
// metadata), L2, L3, L4 — and each stage but the last keeps the set of hashes of
// its rules' masked keys up to that stage. A packet whose prefix hash is not in a
// stage's set cannot match any rule there, so the subtable is left after that stage
// with only the bits of the stages so far consulted: a rule set that matches TCP
// ports of one server unwildcards the ports only of packets to that server. A
// subtable passed over by the priority cut-off consults nothing.
//
// Prefix tracking. Before a subtable whose mask is an IPv4 prefix on nw_src or
// nw_dst is searched, the classifier's trie of that field's prefixes
// (prefix_trie.h) says whether any rule of that prefix length contains the
// packet's address; if none does, the subtable is skipped having consulted only the
// address bits the trie read. Traffic between addresses that no rule names then
// shares megaflows instead of making one per address.
//
// Hash tables: open addressing (hash_buckets.h). A packet meets at most one masked
// key per subtable, and rules sharing that masked key (same match, different
// priorities) hang off it in a chain sorted by decreasing priority, so the chain's
// head is the subtable's answer.
//
// Cost. lookup = sum over the subtables it visits of (mask + hash + probe of the
// mask's words, and the rule's key on a hash match), so it grows with the number
// of distinct masks whose maximum priority is above the answer, not with the
// number of rules; a stage that misses ends its subtable early. Measured before
// staging (throwaway harness, -O2, one core of the 2-vCPU EPYC dev VM, medians of 3
// runs): ~13 ns per subtable when the tables are in cache (20 masks x 1 rule: 260
// ns for a lookup that matches nothing); 20 masks x 500 rules (10k rules, random
// priorities): 650 ns no match, 890 ns to find a rule (the rules' keys are cache
// misses); 1 mask x 10k rules: 45 ns / 70 ns. That is why the caches sit in front.
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
#include "table/hash_buckets.h"
#include "table/masked_words.h"
#include "table/prefix_trie.h"

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

// Where the stages of a subtable's mask begin (byte offsets in FlowKey): L2 at
// dl_src, L3 at nw_proto, L4 at tp_src.
inline constexpr uint16_t kStageBounds[3] = {offsetof(FlowKey, dl_src), offsetof(FlowKey, nw_proto), offsetof(FlowKey, tp_src)};

// One mask's rules (internal to Classifier; here for for_each).
struct ClassifierSubtable {
  MaskedWords words;
  uint32_t n_rules = 0;
  std::map<uint16_t, uint32_t> priorities;  // priority → number of rules
  HashBuckets<Rule> heads;                  // masked key → the chain's highest-priority rule
  // Stages but the last: hash of a rule's masked key up to the stage's end → how
  // many distinct masked keys have that prefix.
  struct PrefixCount {
    uint32_t n;
  };
  HashBuckets<PrefixCount> prefixes[kMaxStages - 1];
  // The mask's prefix length on each tracked field (kTrieFields), 0 when it is not
  // a prefix there.
  uint8_t trie_plen[2] = {0, 0};

  explicit ClassifierSubtable(const FlowKey& m);
  ~ClassifierSubtable();

  const FlowKey& mask() const { return words.mask; }
  uint16_t max_priority() const { return priorities.rbegin()->first; }
  // The stage prefix hashes of k (one per stage but the last) and its full hash;
  // m gets the masked words.
  uint32_t hashes(const FlowKey& k, uint64_t* m, uint32_t* stage_hashes) const;
  uint32_t probe(const uint64_t* m, uint32_t h) const {
    return heads.probe(h, [&](const Rule& r) { return words.equals(r.key, m); });
  }
  void count_prefixes(const uint32_t* stage_hashes, int delta);
  // The chain head matching k, or null; ORs what it consulted into *wc (if any).
  Rule* lookup(const FlowKey& k, FlowKey* wc) const;
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

  // The highest-priority rule matching k, or null. Allocation-free. With wc, the
  // bits of k the answer depends on are ORed into *wc: every key that agrees with k
  // on them gets the same answer (until the rules change).
  Rule* lookup(const FlowKey& k, FlowKey* wc = nullptr) const;

  // The rule with exactly this match and priority (OpenFlow *_STRICT), or null.
  // key need not be pre-masked.
  Rule* find_exact(const FlowKey& key, const FlowKey& mask, uint16_t priority) const;

  // Calls f(Rule*) for every rule, subtables in decreasing max priority, each
  // chain in decreasing priority. f must not insert or remove: collect, then change.
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : order_) {
      s.st->heads.for_each([&](Rule* head) {
        for (Rule* r = head; r; r = r->next_) f(r);
      });
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
  void track_prefixes(const Rule& r, bool add);
  void reorder(ClassifierSubtable* st);
  void drop_subtable(ClassifierSubtable* st);

  std::vector<Slot> order_;
  std::unordered_map<FlowKey, std::unique_ptr<ClassifierSubtable>, MaskHash, MaskEq> subtables_;
  PrefixTrie tries_[2];  // nw_src, nw_dst
  size_t size_ = 0;
};

}  // namespace nodeswitch
