#include "table/classifier.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace nodeswitch {

namespace {

constexpr uint32_t kMinBuckets = 8;

void mask_key(FlowKey* key, const FlowKey& mask) {
  auto* k = reinterpret_cast<uint8_t*>(key);
  const auto* m = reinterpret_cast<const uint8_t*>(&mask);
  for (size_t i = 0; i < sizeof(FlowKey); i++) k[i] &= m[i];
}

// Rebuilds the bucket arrays at `size` buckets (a power of two).
void rehash(ClassifierSubtable* st, uint32_t size) {
  std::vector<uint32_t> old_hashes(size, 0);
  std::vector<Rule*> old_heads(size, nullptr);
  old_hashes.swap(st->hashes);
  old_heads.swap(st->heads);
  st->bucket_mask = size - 1;
  for (size_t j = 0; j < old_hashes.size(); j++) {
    if (!old_hashes[j]) continue;
    uint32_t i = old_hashes[j] & st->bucket_mask;
    while (st->hashes[i]) i = (i + 1) & st->bucket_mask;
    st->hashes[i] = old_hashes[j];
    st->heads[i] = old_heads[j];
  }
}

// Empties bucket i, shifting later members of its probe run back so that no
// lookup meets a hole before reaching its key (linear probing without tombstones).
void erase_bucket(ClassifierSubtable* st, uint32_t i) {
  const uint32_t m = st->bucket_mask;
  for (uint32_t j = (i + 1) & m; st->hashes[j]; j = (j + 1) & m) {
    uint32_t home = st->hashes[j] & m;
    // The entry at j may fill the hole at i if i lies on its path home → j.
    if (((j - home) & m) >= ((j - i) & m)) {
      st->hashes[i] = st->hashes[j];
      st->heads[i] = st->heads[j];
      i = j;
    }
  }
  st->hashes[i] = 0;
  st->heads[i] = nullptr;
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

ClassifierSubtable::ClassifierSubtable(const FlowKey& m) : mask(m) {
  for (int i = 0; i < kFlowKeyWords; i++) {
    if (!flow_key_word(m, i)) continue;
    uint8_t bytes[8];
    unsigned offset = 8 * i;
    if (i == kFlowKeyFullWords) {  // the tail: 8 bytes ending at the key's end, the first 4 masked off
      offset = sizeof(FlowKey) - 8;
      std::memcpy(bytes, reinterpret_cast<const uint8_t*>(&m) + offset, 8);
      std::memset(bytes, 0, 4);
    } else {
      std::memcpy(bytes, reinterpret_cast<const uint8_t*>(&m) + offset, 8);
    }
    offsets[n_words] = uint8_t(offset);
    std::memcpy(&mask_words[n_words], bytes, 8);
    n_words++;
  }
  rehash(this, kMinBuckets);
}

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
  const FlowKey mask = st->mask;
  subtables_.erase(mask);  // destroys st
}

void Classifier::insert(Rule* r) {
  assert(!r->inserted());
  mask_key(&r->key, r->mask);
  ClassifierSubtable* st = subtable_for(r->mask);
  if ((st->n_keys + 1) * 2 > st->hashes.size()) rehash(st, uint32_t(st->hashes.size() * 2));

  uint64_t m[kFlowKeyWords];
  const uint32_t h = st->masked_words(r->key, m);
  const uint32_t i = st->probe(m, h);
  Rule*& head = st->heads[i];
  if (!head) {
    st->hashes[i] = h;
    head = r;
    r->next_ = nullptr;
    st->n_keys++;
  } else if (r->priority > head->priority) {
    r->next_ = head;
    head = r;
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
  uint64_t m[kFlowKeyWords];
  st->masked_words(r->key, m);
  const uint32_t i = st->probe(m, r->hash_);
  Rule*& head = st->heads[i];
  assert(head);
  if (head == r) {
    if (r->next_) {
      head = r->next_;
    } else {
      erase_bucket(st, i);
      st->n_keys--;
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
  if (st->hashes.size() > kMinBuckets && st->n_keys * 8 < st->hashes.size()) {
    rehash(st, uint32_t(st->hashes.size() / 2));
  }
}

Rule* Classifier::lookup(const FlowKey& k) const {
  Rule* best = nullptr;
  uint64_t m[kFlowKeyWords];
  for (const Slot& s : order_) {
    if (best && best->priority >= s.max_priority) break;
    const ClassifierSubtable& st = *s.st;
    Rule* head = st.heads[st.probe(m, st.masked_words(k, m))];
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
  uint64_t m[kFlowKeyWords];
  Rule* r = st.heads[st.probe(m, st.masked_words(key, m))];
  while (r && r->priority > priority) r = r->next_;
  return r && r->priority == priority ? r : nullptr;
}

}  // namespace nodeswitch
