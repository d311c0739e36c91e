#include "dp/stages/policer.h"

#include "dp/burst_loop.h"
#include "dp/port_slot.h"

namespace nodeswitch {

Policer::Policer(uint32_t rate_kbps, uint32_t burst_kbits, uint64_t now_ns) : bucket_(rate_kbps, burst_kbits, now_ns) {}

void Policer::reconfigure(uint32_t rate_kbps, uint32_t burst_kbits) { bucket_.reconfigure(rate_kbps, burst_kbits); }

uint32_t Policer::run(BurstLoop& loop, PortSlot& in, Packet* pkts, uint32_t n) {
  bucket_.refill(loop.burst_ns());
  uint32_t kept = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (bucket_.take(TokenBucket::cost_of_bytes(pkts[i].len))) {
      if (kept != i) pkts[kept] = pkts[i];
      kept++;
    } else {
      in.counters.rx_policed++;
    }
  }
  return kept;
}

}  // namespace nodeswitch
