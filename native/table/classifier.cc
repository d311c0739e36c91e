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

Rule* Classifier::lookup(const FlowKey& k, FlowKey* wc) const {
  Rule* best = nullptr;
  for (const Slot& s : order_) {
    // Nothing further on can beat the best so far: what is not visited is not consulted.
    if (best && best->priority >= s.max_priority) break;
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
