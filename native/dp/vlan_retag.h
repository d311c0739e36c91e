// NORMAL's output in a VLAN: the frame as each output port must carry it — as it
// came, or with its outer tag pushed, rewritten or popped (vlan.h says which VID a
// port wants). A frame already right is sent as is, without a copy: the common case
// (access to access in one VLAN, trunk to trunk, a bridge without VLANs). Otherwise
// the frame goes out as a copy in scratch memory of the burst loop's own, because
// a flooded frame's bytes are shared by every queue it sits in (stages/egress.h).
//
// The scratch holds copies until the burst loop's flush_outputs() has sent them and
// calls reset(). When it is full, retag() says so and the loop flushes first.
// Datapath thread only; no allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/packet.h"

namespace nodeswitch {

class VlanRetag {
 public:
  VlanRetag() : bytes_(new uint8_t[kBytes]) {}

  // `p` itself when it already leaves with `vid` (0: untagged), else a copy with
  // that outer tag; null when the scratch has no room (flush, reset, call again).
  // A pushed tag is 0x8100 with PCP 0 (as OVS pushes it); a rewritten one keeps its
  // TPID and PCP; an untagged output pops the outer tag, priority tags included.
  Packet* retag(Packet* p, uint16_t vid);
  void reset() { used_ = n_ = 0; }
  // A copy of even the largest frame fits an empty scratch; 128 KB holds a burst of
  // small frames re-tagged for 32 ports (each copy takes 128 bytes, cache-aligned).
  static constexpr size_t kBytes = 2 * kMaxFrame;

 private:
  static constexpr uint32_t kCopies = kBurst * 32;
  std::unique_ptr<uint8_t[]> bytes_;
  Packet copies_[kCopies];
  size_t used_ = 0;
  uint32_t n_ = 0;
};

}  // namespace nodeswitch
