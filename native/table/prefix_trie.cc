#include "table/prefix_trie.h"

#include <cassert>

namespace nodeswitch {

namespace {

// The top n bits set (n 0..32).
uint32_t top_bits(int n) { return n == 0 ? 0 : ~0u << (32 - n); }

// v's bits from position `from` on, left-aligned (0 past the end).
uint32_t bits_from(uint32_t v, int from) { return from >= 32 ? 0 : v << from; }

int bit_at(uint32_t v, int pos) { return int((v >> (31 - pos)) & 1); }

}  // namespace

PrefixTrie::PrefixTrie() { nodes_.emplace_back(); }

uint32_t PrefixTrie::alloc(const Node& n) {
  if (!free_.empty()) {
    uint32_t i = free_.back();
    free_.pop_back();
    nodes_[i] = n;
    return i;
  }
  nodes_.push_back(n);
  return uint32_t(nodes_.size() - 1);
}

void PrefixTrie::insert(uint32_t prefix, int plen) {
  assert(plen >= 1 && plen <= 32);
  uint32_t idx = 0;
  int depth = 0;
  for (;;) {
    // How far the prefix follows this node's segment.
    const int seg = nodes_[idx].nbits;
    const int room = plen - depth < seg ? plen - depth : seg;
    const uint32_t diff = (nodes_[idx].bits ^ bits_from(prefix, depth)) & top_bits(room);
    const int common = diff ? __builtin_clz(diff) : room;
    if (common < seg) {
      // Split: this node keeps the first `common` bits, a new child the rest.
      Node tail = nodes_[idx];
      tail.bits = nodes_[idx].bits << common;
      tail.nbits = uint8_t(seg - common);
      const uint32_t t = alloc(tail);
      Node& head = nodes_[idx];
      head.nbits = uint8_t(common);
      head.bits &= top_bits(common);
      head.rules = 0;
      head.child[0] = head.child[1] = 0;
      head.child[tail.bits >> 31] = t;
    }
    depth += common;
    if (depth == plen) {
      nodes_[idx].rules++;
      return;
    }
    const int b = bit_at(prefix, depth);
    const uint32_t next = nodes_[idx].child[b];
    if (!next) {
      Node leaf;
      leaf.bits = bits_from(prefix, depth) & top_bits(plen - depth);
      leaf.nbits = uint8_t(plen - depth);
      leaf.rules = 1;
      const uint32_t l = alloc(leaf);
      nodes_[idx].child[b] = l;
      return;
    }
    idx = next;
  }
}

void PrefixTrie::remove(uint32_t prefix, int plen) {
  // Walk down, remembering the path, to the node where the prefix ends.
  uint32_t path[34];
  int n = 0;
  uint32_t idx = 0;
  int depth = 0;
  for (;;) {
    path[n++] = idx;
    depth += nodes_[idx].nbits;
    if (depth >= plen) break;
    idx = nodes_[idx].child[bit_at(prefix, depth)];
    assert(idx);
  }
  assert(depth == plen && nodes_[idx].rules > 0);
  nodes_[idx].rules--;
  // Prune leaves that hold no prefix any more.
  for (int i = n - 1; i > 0; i--) {
    Node& node = nodes_[path[i]];
    if (node.rules || node.child[0] || node.child[1]) break;
    Node& parent = nodes_[path[i - 1]];
    parent.child[parent.child[1] == path[i] ? 1 : 0] = 0;
    free_.push_back(path[i]);
  }
}

PrefixTrie::Result PrefixTrie::lookup(uint32_t address) const {
  Result r{0, 0};
  uint32_t idx = 0;
  int depth = 0;
  for (;;) {
    const Node& node = nodes_[idx];
    const uint32_t diff = (node.bits ^ bits_from(address, depth)) & top_bits(node.nbits);
    if (diff) {
      // The address leaves the segment here: that bit decides, and nothing below matters.
      r.checkbits = depth + __builtin_clz(diff) + 1;
      return r;
    }
    depth += node.nbits;
    if (node.rules) r.plens |= uint64_t(1) << depth;
    if (depth == 32) {
      r.checkbits = 32;
      return r;
    }
    const int b = bit_at(address, depth);
    if (!node.child[b]) {
      // No prefix continues this way; the next bit decides only if one goes the other way.
      r.checkbits = node.child[1 - b] ? depth + 1 : depth;
      return r;
    }
    idx = node.child[b];
  }
}

}  // namespace nodeswitch
