// Open addressing for the tables keyed by a masked key: linear probing, load
// <= 1/2, removal by backward shift (no tombstones). The 32-bit hashes and the
// node pointers are two parallel arrays, so a probe walks 4-byte hashes and
// touches a node only when its hash matches: a miss — the common case in a
// classifier, where most subtables do not hold the packet — never leaves the hash
// array. Hash 0 marks an empty bucket (MaskedWords' hashes are never 0).
//
// Allocation only in rehash (control path); probe never allocates.
#pragma once

#include <cstdint>
#include <vector>

namespace nodeswitch {

template <typename Node>
class HashBuckets {
 public:
  static constexpr uint32_t kMinBuckets = 8;

  HashBuckets() { rehash(kMinBuckets); }

  // Index of the bucket holding a node for which eq(node) is true among those with
  // hash h, or of the empty bucket where such a node would go.
  template <typename Eq>
  uint32_t probe(uint32_t h, Eq&& eq) const {
    for (uint32_t i = h & mask_;; i = (i + 1) & mask_) {
      if (hashes_[i] == 0 || (hashes_[i] == h && eq(*nodes_[i]))) return i;
    }
  }
  Node* at(uint32_t i) const { return nodes_[i]; }
  void set(uint32_t i, Node* n) { nodes_[i] = n; }

  // Fills empty bucket i (from probe). May rehash: probe again before using an index.
  void fill(uint32_t i, uint32_t h, Node* n) {
    hashes_[i] = h;
    nodes_[i] = n;
    if (++count_ * 2 > hashes_.size()) rehash(uint32_t(hashes_.size() * 2));
  }

  // Empties bucket i, shifting later members of its probe run back so that no
  // probe meets a hole before reaching its node.
  void erase(uint32_t i) {
    for (uint32_t j = (i + 1) & mask_; hashes_[j]; j = (j + 1) & mask_) {
      uint32_t home = hashes_[j] & mask_;
      // The entry at j may fill the hole at i if i lies on its path home → j.
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        hashes_[i] = hashes_[j];
        nodes_[i] = nodes_[j];
        i = j;
      }
    }
    hashes_[i] = 0;
    nodes_[i] = nullptr;
    count_--;
    if (hashes_.size() > kMinBuckets && count_ * 8 < hashes_.size()) rehash(uint32_t(hashes_.size() / 2));
  }

  uint32_t size() const { return count_; }
  uint32_t capacity() const { return uint32_t(hashes_.size()); }
  uint32_t hash_at(uint32_t i) const { return hashes_[i]; }

  template <typename F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < hashes_.size(); i++) {
      if (hashes_[i]) f(nodes_[i]);
    }
  }

 private:
  // Rebuilds the arrays at `size` buckets (a power of two).
  void rehash(uint32_t size) {
    std::vector<uint32_t> old_hashes(size, 0);
    std::vector<Node*> old_nodes(size, nullptr);
    old_hashes.swap(hashes_);
    old_nodes.swap(nodes_);
    mask_ = size - 1;
    for (size_t j = 0; j < old_hashes.size(); j++) {
      if (!old_hashes[j]) continue;
      uint32_t i = old_hashes[j] & mask_;
      while (hashes_[i]) i = (i + 1) & mask_;
      hashes_[i] = old_hashes[j];
      nodes_[i] = old_nodes[j];
    }
  }

  std::vector<uint32_t> hashes_;
  std::vector<Node*> nodes_;
  uint32_t mask_ = 0;
  uint32_t count_ = 0;
};

}  // namespace nodeswitch
