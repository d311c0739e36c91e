// Prefix tracking for one 32-bit key field (IPv4 nw_src or nw_dst) of one
// classifier: a path-compressed binary trie of the prefixes its rules match on.
//
// Why. A subtable whose mask is nw_dst/24 consults 24 bits of every packet it
// checks, and the megaflow made from that translation is specific to those 24 bits
// even when no rule is anywhere near the packet's address. The trie answers first:
// which prefix lengths have a rule whose prefix the address falls in, and how many
// leading bits of the address that answer depends on (checkbits). A subtable whose
// prefix length is not among them cannot match; it is skipped, and only the first
// min(length, checkbits) bits are consulted — about log2(rules) bits instead of
// the prefix length, so traffic from addresses no rule names shares megaflows.
// Open vSwitch's classifier does the same (lib/classifier.c, "prefix tracking").
//
// Design. Nodes live in one vector and link by index; each holds a segment of bits
// (left-aligned), its length, how many rules' prefixes end exactly at its end, and
// two children. Insert splits a node where a new prefix leaves its segment; remove
// decrements and prunes leaves left with no rules (nodes are not re-merged: a
// lookup is still right, at worst one node longer). About two nodes per distinct
// prefix.
//
// Thread safety: none; the classifier's owner (the datapath thread) owns it.
#pragma once

#include <cstdint>
#include <vector>

namespace nodeswitch {

class PrefixTrie {
 public:
  PrefixTrie();

  // prefix: the field's value, host order, bits past plen zero; plen 1..32.
  void insert(uint32_t prefix, int plen);
  void remove(uint32_t prefix, int plen);

  struct Result {
    uint64_t plens;  // bit L set: some rule's L-bit prefix contains the address
    int checkbits;   // the answer depends on the address's first checkbits bits
  };
  Result lookup(uint32_t address) const;

  bool empty() const { return nodes_[0].child[0] == 0 && nodes_[0].child[1] == 0; }

 private:
  struct Node {
    uint32_t bits = 0;           // the segment, left-aligned
    uint8_t nbits = 0;           // segment length (the root's is 0)
    uint32_t rules = 0;          // prefixes ending at this node's end
    uint32_t child[2] = {0, 0};  // 0: none (node 0 is the root, never a child)
  };

  uint32_t alloc(const Node& n);

  std::vector<Node> nodes_;
  std::vector<uint32_t> free_;
};

// The prefix length of a 32-bit field mask (host order): L when it is L leading
// ones, else 0 (no mask, or one the trie cannot answer for).
inline int prefix_length(uint32_t mask) {
  if (mask == 0) return 0;
  if (mask == 0xffffffffu) return 32;
  const int ones = __builtin_clz(~mask);  // ~mask != 0 here
  return (mask << ones) == 0 ? ones : 0;
}

}  // namespace nodeswitch
