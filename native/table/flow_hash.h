// Hashing FlowKeys as 64-bit words: the whole key (microflow cache) or a chosen
// subset of its words (a classifier subtable hashes only the words its mask has
// bits in).
//
// Words. A FlowKey is 140 bytes with no padding, so it is read as 18 words: word i
// (0..16) is bytes [8i, 8i + 8), word 17 the last 4 bytes, zero-extended. Loads are
// memcpy (FlowKey is only 4-aligned), one mov each on x86 and arm64. Where the
// fields fall: word 0 in_port + metadata_hi, 1 metadata_lo + dl_src[0..3], 2 dl_src[4..5] +
// dl_dst, 3 dl_type, vlan_tci, vlan_tpid, inner_vlan_tci; an in_port+dl_dst rule reads
// 3 words, a 5-tuple rule about 4.
//
// Function. Words are taken in pairs, each pair xored with its own secret and
// folded through one 64x64→128 multiply (high ^ low: the "mum" of wyhash); the
// pair results are summed and the sum folded once more. The multiplies are
// independent, so the whole key costs 9 multiplies that overlap, not a 17-step
// dependency chain: ~20 ns measured for flow_key_hash() on the dev VM (EPYC).
// Not keyed per process: these tables take no input an attacker controls better
// than the packet headers OVS's EMC hashes the same way.
#pragma once

#include <cstdint>
#include <cstring>

#include "parse/flow_key.h"

namespace nodeswitch {

// Whole 8-byte words, then one 4-byte tail word.
constexpr int kFlowKeyFullWords = int(sizeof(FlowKey) / 8);
constexpr int kFlowKeyWords = kFlowKeyFullWords + 1;
static_assert(sizeof(FlowKey) % 8 == 4, "flow_key_word() assumes whole words + a 4-byte tail");

inline uint64_t flow_key_word(const FlowKey& k, int i) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&k) + 8 * i;
  if (i < kFlowKeyFullWords) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

inline uint64_t hash_mum(uint64_t a, uint64_t b) {
  __uint128_t p = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

// Secrets: odd, roughly half their bits set (from wyhash's generator).
inline constexpr uint64_t kHashSecret[kFlowKeyWords + 3] = {
    0xa0761d6478bd642full, 0xe7037ed1a0b428dbull, 0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull, 0x1d8e4e27c47d124full,
    0x2d358dccaa6c78a5ull, 0x8bb84b93962eacc9ull, 0x4b33a62ed433d4a3ull, 0x4d5a2da51de1aa47ull, 0xa0761d6478bd6421ull,
    0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull, 0xd6e8feb86659fd93ull, 0xff51afd7ed558ccdull,
    0xc4ceb9fe1a85ec53ull, 0x87c37b91114253d5ull, 0x4cf5ad432745937full, 0x52dce729da3ed6b5ull, 0x9fb21c651e98df25ull,
    0xe9c4b1a5d3f2c6a7ull,
};

// Hash of n <= kFlowKeyWords words.
inline uint32_t hash_words(const uint64_t* w, int n) {
  uint64_t h = static_cast<uint64_t>(n) * kHashSecret[kFlowKeyWords];
  int j = 0;
  for (; j + 1 < n; j += 2) h += hash_mum(w[j] ^ kHashSecret[j], w[j + 1] ^ kHashSecret[j + 1]);
  if (j < n) h += hash_mum(w[j] ^ kHashSecret[j], kHashSecret[kFlowKeyWords + 1]);
  h = hash_mum(h ^ kHashSecret[kFlowKeyWords + 2], kHashSecret[kFlowKeyWords + 1]);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

// Hash of the whole key (all of it, in_port and metadata included).
inline uint32_t flow_key_hash(const FlowKey& k) {
  uint64_t w[kFlowKeyWords];
  std::memcpy(w, &k, 8 * kFlowKeyFullWords);
  w[kFlowKeyFullWords] = flow_key_word(k, kFlowKeyFullWords);
  return hash_words(w, kFlowKeyWords);
}

inline bool flow_key_equal(const FlowKey& a, const FlowKey& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace nodeswitch
