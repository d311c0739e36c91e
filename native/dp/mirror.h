// Port mirroring (SPAN and RSPAN), as Open vSwitch's Mirror table defines it.
//
// A mirror selects packets by the port they came in on (select_src_port), the
// ports they are output to (select_dst_port), or every port (select_all),
// optionally only on some VLANs (select_vlan: the packet's outer VID as the
// pipeline sees it, after the ingress stages); it sends a copy to one port
// (output_port: SPAN) or, tagged with output_vlan, to every port that carries that
// VLAN (RSPAN). As in OVS: a packet selected by several mirrors with the same
// output goes there once; a mirror's output port gets no NORMAL traffic and
// nothing is learned on it; a source copy is the frame as received, a destination
// copy the frame as output (the burst loop emits destination copies before a
// rewrite changes the bytes); a copy sent to a port that is itself the
// destination of another mirror is mirrored again, once.
//
// Selection runs per packet in the burst loop, not at translation: NORMAL's
// outputs are decided per packet from the MAC table, so the ports a packet goes
// to are known only then. Nothing a megaflow holds depends on mirrors, so a
// mirror change needs no megaflow flush. The cost with no mirror configured: one
// compare per packet and one per output.
//
// Configuration comes whole (set_mirrors, by ofport) and is compiled to per-slot
// bit masks; rebuild() recompiles after a port is added or deleted. Datapath
// thread only; no allocation on the packet path (RSPAN copies go into a pool
// allocated when an RSPAN mirror is configured).
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/packet.h"
#include "parse/flow_key.h"

namespace nodeswitch {

class BurstLoop;
class PortSet;

// Open vSwitch's MAX_MIRRORS: a mirror is one bit of a 32-bit mask.
constexpr uint32_t kMaxMirrors = 32;

struct MirrorConfig {
  std::string name;
  bool select_all = false;
  std::vector<uint16_t> select_src, select_dst;  // ofports
  std::vector<uint16_t> select_vlan;             // empty: every VLAN
  uint16_t output_port = 0;                      // SPAN; 0: none
  uint16_t output_vlan = 0;                      // RSPAN; 0: none
};

struct MirrorStats {
  std::string name;
  uint64_t packets = 0, bytes = 0;  // copies sent
};

class MirrorSet {
 public:
  explicit MirrorSet(PortSet& ports);

  // Replaces the configuration (at most kMaxMirrors); counters carry over by name.
  void configure(std::vector<MirrorConfig> mirrors);
  // Recompiles the per-slot masks (a port was added or deleted).
  void rebuild();
  std::vector<MirrorStats> stats() const;
  // The slots that are some mirror's output port (their MACs are forgotten).
  std::vector<uint16_t> output_slots() const;

  // ---- the packet path -------------------------------------------------------
  bool any() const { return !mirrors_.empty(); }
  uint32_t src(uint16_t slot) const { return slot < src_.size() ? src_[slot] : 0; }
  uint32_t dst(uint16_t slot) const { return slot < dst_.size() ? dst_[slot] : 0; }
  // The port is a mirror's output: NORMAL neither floods to it nor learns on it.
  bool is_output(uint16_t slot) const { return slot < out_.size() && out_[slot]; }
  // Sends `p` to the mirrors in `candidates` not yet in *done; marks them (and the
  // mirrors sharing their output) done. `vid`: the packet's VLAN as received (0:
  // untagged), `key`: its current key. Returns whether `p` itself was queued.
  bool emit(BurstLoop& loop, Packet* p, const FlowKey& key, uint16_t vid, uint16_t in_slot, uint32_t candidates, uint32_t* done);
  // The loop has sent every queue: the RSPAN copy pool is free again.
  void outputs_flushed() { copies_used_ = 0; }

 private:
  struct Compiled {
    uint16_t out_slot;  // SPAN: the output's slot, kNoSlot when the port is gone
    uint16_t out_vlan;  // RSPAN: the VLAN; 0 for SPAN
    uint32_t dups;      // this mirror and those with the same output
    bool by_vlan;       // select_vlan given
    std::bitset<4096> vlans;
  };
  void rspan(BurstLoop& loop, Packet* p, const FlowKey& key, uint16_t out_vlan);
  Packet* tagged_copy(BurstLoop& loop, const Packet* p, const FlowKey& key, uint16_t vlan);

  PortSet& ports_;
  std::vector<MirrorConfig> mirrors_;
  std::vector<Compiled> compiled_;
  std::vector<MirrorStats> stats_;
  std::vector<uint32_t> src_, dst_;  // by slot: the mirrors selecting it
  std::vector<uint8_t> out_;         // by slot: some mirror's output port
  // RSPAN copies: tagged frames in a pool of their own, reused once every queue has been sent.
  static constexpr uint32_t kCopies = kBurst;
  static constexpr uint32_t kCopySize = kMaxFrame + 4;
  std::unique_ptr<uint8_t[]> copy_mem_;
  Packet copies_[kCopies];
  uint32_t copies_used_ = 0;
};

}  // namespace nodeswitch
