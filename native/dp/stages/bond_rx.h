// A bond member's ingress stage (the first on its list): slow-protocols frames
// (ethertype 0x8809: LACP, markers) go to the bond and no further — they must never
// reach NORMAL — and frames the bond does not admit on this member are dropped
// (dp/bond.h: a backup member's input in active-backup, anything on a disabled
// member). What is kept goes on as the bond's input (BurstLoop::process).
#pragma once

#include <cstddef>

#include "dp/stages/ingress.h"

namespace nodeswitch {

class Bond;

class BondRx : public IngressStage {
 public:
  BondRx(Bond& bond, size_t member) : bond_(bond), member_(member) {}
  uint32_t run(BurstLoop& loop, PortSlot& in, Packet* pkts, uint32_t n) override;
  // Frames taken as slow protocols, and frames the bond did not admit.
  uint64_t slow_frames = 0, refused = 0;

 private:
  Bond& bond_;
  size_t member_;
};

}  // namespace nodeswitch
