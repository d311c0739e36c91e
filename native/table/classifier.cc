#include "table/classifier.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace nodeswitch {

namespace {

void mask_key(FlowKey* key, const FlowKey& mask) {
  auto* k = reinterpret_cast<uint8_t*>(key);
  const auto* m = reinterpret_cast<const uint8_t*>(&mask);
  for (size_t i = 0; i < sizeof(FlowKey); i++) k[i] &= m[i];
}

// The fields prefix tracking covers: IPv4 source and destination (host order).
constexpr size_t kTrieFields[2] = {offsetof(FlowKey, nw_src), offsetof(FlowKey, nw_dst)};

uint32_t field32(const FlowKey& k, size_t offset) {
  uint32_t v;
  std::memcpy(&v, reinterpret_cast<const uint8_t*>(&k) + offset, 4);
  return v;
}

}  // namespace

bool overlaps(const FlowKey& k1, const FlowKey& m1, const FlowKey& k2, const FlowKey& m2) {
  for (int i = 0; i < kFlowKeyWords; i++) {
    uint64_t both = flow_key_word(m1, i) & flow_key_word(m2, i);
    if ((flow_key_word(k1, i) ^ flow_key_word(k2, i)) & both) return false;
  }
  return true;
}

bool match_covers(const FlowKey& key, const FlowKey& mask, const Rule& r) {
  for (int i = 0; i < kFlowKeyWords; i++) {
    uint64_t m = flow_key_word(mask, i);
    if (m & ~flow_key_word(r.mask, i)) return false;  // mask cares about a bit r does not
    if ((flow_key_word(key, i) ^ flow_key_word(r.key, i)) & m) return false;
  }
  return true;
}

// ---- subtable -------------------------------------------------------------------

ClassifierSubtable::ClassifierSubtable(const FlowKey& m) : words(m, kStageBounds, 3) {
  for (int f = 0; f < 2; f++) trie_plen[f] = uint8_t(prefix_length(field32(m, kTrieFields[f])));
}

ClassifierSubtable::~ClassifierSubtable() {
  for (auto& stage : prefixes) stage.for_each([](PrefixCount* c) { delete c; });
}

uint32_t ClassifierSubtable::hashes(const FlowKey& k, uint64_t* m, uint32_t* stage_hashes) const {
  uint64_t acc = 0;
  int j = 0;
  for (int s = 0; s < words.n_stages; s++) {
    for (; j < words.stage_end[s]; j++) acc = hash_step(acc, m[j] = words.word(k, j), j);
    if (s + 1 < words.n_stages) stage_hashes[s] = hash_finish(acc, j);
  }
  return hash_finish(acc, j);
}

void ClassifierSubtable::count_prefixes(const uint32_t* stage_hashes, int delta) {
  auto any = [](const PrefixCount&) { return true; };  // the hash is the whole key
  for (int s = 0; s + 1 < words.n_stages; s++) {
    HashBuckets<PrefixCount>& set = prefixes[s];
    uint32_t i = set.probe(stage_hashes[s], any);
    if (delta > 0) {
      if (set.at(i)) set.at(i)->n++;
      else set.fill(i, stage_hashes[s], new PrefixCount{1});
    } else {
      PrefixCount* c = set.at(i);
      assert(c);
      if (--c->n == 0) {
        delete c;
        set.erase(i);
      }
    }
  }
}

Rule* ClassifierSubtable::lookup(const FlowKey& k, FlowKey* wc) const {
  uint64_t m[kMaxMaskedWords];
  uint64_t acc = 0;
  int j = 0;
  for (int s = 0; s + 1 < words.n_stages; s++) {
    for (; j < words.stage_end[s]; j++) acc = hash_step(acc, m[j] = words.word(k, j), j);
    const uint32_t h = hash_finish(acc, j);
    if (!prefixes[s].at(prefixes[s].probe(h, [](const PrefixCount&) { return true; }))) {
      if (wc) words.unwildcard(wc, j);  // no rule here has this prefix: the rest was never needed
      return nullptr;
    }
  }
  for (; j < words.n_words; j++) acc = hash_step(acc, m[j] = words.word(k, j), j);
  if (wc) words.unwildcard(wc, j);
  return heads.at(probe(m, hash_finish(acc, j)));
}

// ---- classifier -----------------------------------------------------------------

ClassifierSubtable* Classifier::subtable_for(const FlowKey& mask) {
  auto it = subtables_.find(mask);
  if (it != subtables_.end()) return it->second.get();
  auto st = std::make_unique<ClassifierSubtable>(mask);
  ClassifierSubtable* p = st.get();
  subtables_.emplace(mask, std::move(st));
  order_.push_back(Slot{0, p});  // placed by reorder() once it holds a rule
  return p;
}

// Moves st to its place in order_ after its maximum priority changed.
void Classifier::reorder(ClassifierSubtable* st) {
  size_t i = 0;
  while (order_[i].st != st) i++;
  order_[i].max_priority = st->max_priority();
  while (i > 0 && order_[i - 1].max_priority < order_[i].max_priority) {
    std::swap(order_[i - 1], order_[i]);
    i--;
  }
  while (i + 1 < order_.size() && order_[i + 1].max_priority > order_[i].max_priority) {
    std::swap(order_[i + 1], order_[i]);
    i++;
  }
}

void Classifier::drop_subtable(ClassifierSubtable* st) {
  order_.erase(std::find_if(order_.begin(), order_.end(), [st](const Slot& s) { return s.st == st; }));
  const FlowKey mask = st->mask();
  subtables_.erase(mask);  // destroys st
}

void Classifier::insert(Rule* r) {
  assert(!r->inserted());
  mask_key(&r->key, r->mask);
  ClassifierSubtable* st = subtable_for(r->mask);
  uint64_t m[kMaxMaskedWords];
  uint32_t stage_hashes[kMaxStages];
  const uint32_t h = st->hashes(r->key, m, stage_hashes);
  const uint32_t i = st->probe(m, h);
  Rule* head = st->heads.at(i);
  if (!head) {
    r->next_ = nullptr;
    st->heads.fill(i, h, r);
    st->count_prefixes(stage_hashes, +1);
  } else if (r->priority > head->priority) {
    r->next_ = head;
    st->heads.set(i, r);
  } else {
    Rule* prev = head;
    while (prev->next_ && prev->next_->priority > r->priority) prev = prev->next_;
    assert(prev->priority != r->priority && (!prev->next_ || prev->next_->priority != r->priority));
    r->next_ = prev->next_;
    prev->next_ = r;
  }
  r->subtable_ = st;
  r->hash_ = h;
  track_prefixes(*r, true);
  st->n_rules++;
  const bool new_max = st->priorities.empty() || r->priority > st->max_priority();
  st->priorities[r->priority]++;
  if (new_max) reorder(st);
  size_++;
}

void Classifier::remove(Rule* r) {
  assert(r->inserted());
  ClassifierSubtable* st = r->subtable_;
  uint64_t m[kMaxMaskedWords];
  uint32_t stage_hashes[kMaxStages];
  st->hashes(r->key, m, stage_hashes);
  const uint32_t i = st->probe(m, r->hash_);
  Rule* head = st->heads.at(i);
  assert(head);
  if (head == r) {
    if (r->next_) {
      st->heads.set(i, r->next_);
    } else {
      st->heads.erase(i);
      st->count_prefixes(stage_hashes, -1);
    }
  } else {
    Rule* prev = head;
    while (prev->next_ != r) prev = prev->next_;
    prev->next_ = r->next_;
  }
  track_prefixes(*r, false);
  r->subtable_ = nullptr;
  r->next_ = nullptr;
  size_--;

  st->n_rules--;
  const uint16_t old_max = st->max_priority();
  auto it = st->priorities.find(r->priority);
  if (--it->second == 0) st->priorities.erase(it);
  if (st->n_rules == 0) {
    drop_subtable(st);
    return;
  }
  if (st->max_priority() != old_max) reorder(st);
}

void Classifier::track_prefixes(const Rule& r, bool add) {
  for (int f = 0; f < 2; f++) {
    const int plen = r.subtable_->trie_plen[f];
    if (!plen) continue;
    if (add) tries_[f].insert(field32(r.key, kTrieFields[f]), plen);
    else tries_[f].remove(field32(r.key, kTrieFields[f]), plen);
  }
}

Rule* Classifier::lookup(const FlowKey& k, FlowKey* wc) const {
  Rule* best = nullptr;
  PrefixTrie::Result trie[2];
  bool looked[2] = {false, false};
  for (const Slot& s : order_) {
    // Nothing further on can beat the best so far: what is not visited is not consulted.
    if (best && best->priority >= s.max_priority) break;
    bool skip = false;
    for (int f = 0; f < 2 && !skip; f++) {
      const int plen = s.st->trie_plen[f];
      if (!plen) continue;
      if (!looked[f]) {
        trie[f] = tries_[f].lookup(field32(k, kTrieFields[f]));
        looked[f] = true;
      }
      if (trie[f].plens & (uint64_t(1) << plen)) continue;
      // No rule of this prefix length contains the address: the subtable cannot match.
      skip = true;
      if (wc) {
        const int bits = plen < trie[f].checkbits ? plen : trie[f].checkbits;
        or_key_word(wc, unsigned(kTrieFields[f]), bits ? uint64_t(~0u << (32 - bits)) : 0);
      }
    }
    if (skip) continue;
    Rule* head = s.st->lookup(k, wc);
    // A packet meets at most one chain per subtable and head is that chain's
    // best; it can still lose to a rule found in an earlier subtable.
    if (head && (!best || head->priority > best->priority)) best = head;
  }
  return best;
}

Rule* Classifier::find_exact(const FlowKey& key, const FlowKey& mask, uint16_t priority) const {
  auto it = subtables_.find(mask);
  if (it == subtables_.end()) return nullptr;
  const ClassifierSubtable& st = *it->second;
  uint64_t m[kMaxMaskedWords];
  uint32_t stage_hashes[kMaxStages];
  Rule* r = st.heads.at(st.probe(m, st.hashes(key, m, stage_hashes)));
  while (r && r->priority > priority) r = r->next_;
  return r && r->priority == priority ? r : nullptr;
}

}  // namespace nodeswitch
