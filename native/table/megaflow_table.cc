#include "table/megaflow_table.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace nodeswitch {

MegaflowNode* MegaflowTable::lookup(const FlowKey& k) {
  if (++lookups_ % kSortEvery == 0) sort_by_hits();
  uint64_t m[kMaxMaskedWords];
  for (Subtable* st : order_) {
    const uint32_t h = st->words.hash(k, m);
    MegaflowNode* n = st->nodes.at(st->nodes.probe(h, [&](const MegaflowNode& e) { return st->words.equals(e.key, m); }));
    if (n) {
      st->hits++;
      return n;
    }
  }
  return nullptr;
}

void MegaflowTable::insert(MegaflowNode* n, const FlowKey& mask) {
  assert(!n->subtable_);
  auto it = by_mask_.find(mask);
  Subtable* st;
  if (it == by_mask_.end()) {
    auto owned = std::make_unique<Subtable>(mask);
    st = owned.get();
    by_mask_.emplace(mask, std::move(owned));
    order_.push_back(st);
  } else {
    st = it->second.get();
  }
  auto* k = reinterpret_cast<uint8_t*>(&n->key);
  const auto* mb = reinterpret_cast<const uint8_t*>(&mask);
  for (size_t i = 0; i < sizeof(FlowKey); i++) k[i] &= mb[i];
  uint64_t m[kMaxMaskedWords];
  const uint32_t h = st->words.hash(n->key, m);
  const uint32_t i = st->nodes.probe(h, [&](const MegaflowNode& e) { return st->words.equals(e.key, m); });
  assert(!st->nodes.at(i));
  st->nodes.fill(i, h, n);
  n->subtable_ = st;
  n->hash_ = h;
  size_++;
}

void MegaflowTable::remove(MegaflowNode* n) {
  auto* st = static_cast<Subtable*>(n->subtable_);
  assert(st);
  const uint32_t i = st->nodes.probe(n->hash_, [n](const MegaflowNode& e) { return &e == n; });
  assert(st->nodes.at(i) == n);
  st->nodes.erase(i);
  n->subtable_ = nullptr;
  size_--;
  if (st->nodes.size() == 0) {
    order_.erase(std::find(order_.begin(), order_.end(), st));
    const FlowKey mask = st->words.mask;
    by_mask_.erase(mask);  // destroys st
  }
}

FlowKey MegaflowTable::coalesce(const FlowKey& wc, size_t max_masks) const {
  if (order_.size() < max_masks || by_mask_.count(wc)) return wc;
  const Subtable* best = nullptr;
  int best_bits = 0;
  for (const Subtable* st : order_) {
    bool holds = true;
    int bits = 0;
    for (int i = 0; i < kFlowKeyWords && holds; i++) {
      const uint64_t m = flow_key_word(st->words.mask, i), w = flow_key_word(wc, i);
      holds = (w & ~m) == 0;
      bits += __builtin_popcountll(m);
    }
    if (holds && (!best || bits < best_bits)) {
      best = st;
      best_bits = bits;
    }
  }
  if (best) return best->words.mask;
  FlowKey whole = wc;
  auto* w = reinterpret_cast<uint8_t*>(&whole);
  for (const FlowKeyField& f : kFlowKeyFields) {
    bool any = false;
    for (size_t i = 0; i < f.size; i++) any |= w[f.offset + i] != 0;
    if (any) std::memset(w + f.offset, 0xff, f.size);
  }
  if (by_mask_.count(whole) || order_.size() < 2 * max_masks) return whole;
  FlowKey exact;
  std::memset(&exact, 0xff, sizeof exact);
  return exact;
}

const FlowKey& MegaflowTable::mask_of(const MegaflowNode& n) { return static_cast<const Subtable*>(n.subtable_)->words.mask; }

void MegaflowTable::sort_by_hits() {
  std::stable_sort(order_.begin(), order_.end(), [](const Subtable* a, const Subtable* b) { return a->hits > b->hits; });
  for (Subtable* st : order_) st->hits /= 2;
}

}  // namespace nodeswitch
