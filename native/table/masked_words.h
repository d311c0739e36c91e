// A mask over FlowKey as the list of 8-byte words it has bits in, so that masking,
// hashing and comparing a key under the mask reads only those words: 2 words for
// in_port + dl_dst, about 4 for a 5-tuple, 0 for the match-everything mask, instead
// of all 18. The classifier's subtables and the megaflow cache's are built on it.
//
// Words. Word i (0..16) is bytes [8i, 8i + 8); the key's last 4 bytes are read as
// the 8 bytes ending at the key's end (offset 132) with the first 4 — word 16's —
// masked off, so every word is one unaligned 8-byte load.
//
// Stages. A mask can be cut at byte boundaries into stages (the classifier's staged
// lookup: metadata, L2, L3, L4, as Open vSwitch's classifier stages them); a word
// that straddles a boundary is split into two words, one per stage, at the same
// offset with disjoint mask bits. Words are listed stage by stage, and stage_end[s]
// is the number of words of stages 0..s.
//
// Hashing. The masked words are hashed one at a time into an accumulator (one
// 64x64→128 multiply each, independent of the others, so they overlap), then
// finished: a hash of the words of a stage prefix is the accumulator at that stage's
// end, finished. Never 0 (0 marks an empty bucket).
#pragma once

#include <cstdint>
#include <cstring>

#include "parse/flow_key.h"
#include "table/flow_hash.h"

namespace nodeswitch {

constexpr int kMaxStages = 4;
// 18 words, each cut at most once per stage boundary.
constexpr int kMaxMaskedWords = kFlowKeyWords + kMaxStages - 1;

inline uint64_t load_key_word(const FlowKey& k, unsigned offset) {
  uint64_t w;
  std::memcpy(&w, reinterpret_cast<const uint8_t*>(&k) + offset, 8);
  return w;
}

inline void or_key_word(FlowKey* k, unsigned offset, uint64_t bits) {
  uint8_t* p = reinterpret_cast<uint8_t*>(k) + offset;
  uint64_t w;
  std::memcpy(&w, p, 8);
  w |= bits;
  std::memcpy(p, &w, 8);
}

inline uint64_t hash_step(uint64_t acc, uint64_t word, int j) {
  return acc + hash_mum(word ^ kHashSecret[j], kHashSecret[kFlowKeyWords + 2]);
}

inline uint32_t hash_finish(uint64_t acc, int n) {
  uint64_t h = hash_mum(acc ^ kHashSecret[kFlowKeyWords] ^ uint64_t(n), kHashSecret[kFlowKeyWords + 1]);
  uint32_t r = uint32_t(h ^ (h >> 32));
  return r + (r == 0);
}

struct MaskedWords {
  // What a lookup reads comes first: the word count, offsets and word masks share
  // the first cache line for masks of up to four words; the mask itself is last.
  int n_words = 0;
  int n_stages = 0;  // stages that have words; stage_end[n_stages - 1] == n_words
  uint8_t stage_end[kMaxStages] = {};
  uint8_t offsets[kMaxMaskedWords] = {};
  uint64_t masks[kMaxMaskedWords] = {};
  FlowKey mask{};

  // Cuts the mask at `bounds` (increasing byte offsets inside the key); stages with
  // no mask bits are left out.
  MaskedWords(const FlowKey& m, const uint16_t* bounds, int n_bounds);
  explicit MaskedWords(const FlowKey& m) : MaskedWords(m, nullptr, 0) {}

  uint64_t word(const FlowKey& k, int j) const { return load_key_word(k, offsets[j]) & masks[j]; }

  // The masked words of k, into out[0..n_words), and their hash.
  uint32_t hash(const FlowKey& k, uint64_t* out) const {
    uint64_t acc = 0;
    for (int j = 0; j < n_words; j++) acc = hash_step(acc, out[j] = word(k, j), j);
    return hash_finish(acc, n_words);
  }
  // k's masked words equal m[0..n_words).
  bool equals(const FlowKey& k, const uint64_t* m) const {
    for (int j = 0; j < n_words; j++) {
      if (word(k, j) != m[j]) return false;
    }
    return true;
  }
  // Adds the mask bits of words [0, n) to *wc.
  void unwildcard(FlowKey* wc, int n) const {
    for (int j = 0; j < n; j++) or_key_word(wc, offsets[j], masks[j]);
  }
};

}  // namespace nodeswitch
