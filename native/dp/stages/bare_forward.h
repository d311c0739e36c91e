// The benchmarks' no-lookup mode ("nodeswitch-bare", Bridge.setBareForward): an
// ingress stage that floods every frame of the burst to every other usable port —
// no parse, no cache, no pipeline — so the bench measures the I/O ceiling that the
// pipeline's cost is set against. It is a port-level mode, not a branch in the
// forwarding loop: the datapath puts one in front of every port's ingress list
// while the mode is on (Datapath::set_bare_forward).
//
// Disposition: every packet queued (on every other port), none kept; returns 0.
#pragma once

#include "dp/stages/ingress.h"

namespace nodeswitch {

class BareForward final : public IngressStage {
 public:
  uint32_t run(BurstLoop& loop, PortSlot& in, Packet* pkts, uint32_t n) override;
};

}  // namespace nodeswitch
