#include "dp/stages/bond_rx.h"

#include "dp/bond.h"

namespace nodeswitch {

uint32_t BondRx::run(BurstLoop&, PortSlot&, Packet* pkts, uint32_t n) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < n; i++) {
    const Packet& p = pkts[i];
    if (p.len < 14) {
      pkts[kept++] = p;  // a runt: the parser counts and drops it
      continue;
    }
    if (p.data[12] == (kEthTypeSlowProtocols >> 8) && p.data[13] == (kEthTypeSlowProtocols & 0xff)) {
      bond_.receive_slow(member_, p.data, p.len);
      slow_frames++;
      continue;
    }
    if (!bond_.admits(member_, p.data)) {
      refused++;
      continue;
    }
    pkts[kept++] = p;
  }
  return kept;
}

}  // namespace nodeswitch
