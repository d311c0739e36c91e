// Ingress policing, as Open vSwitch's ingress_policing_rate / ingress_policing_burst
// (`set-port PORT ingress_policing_rate=KBPS ingress_policing_burst=KB`): a token
// bucket per port that lets the port's input through at `rate` kbit/s with bursts of
// up to `burst` kbit, and drops the excess — what tc's police action does for the
// kernel datapath. A dropped packet counts in the port's rx_policed counter.
//
// Where. An ingress stage (stages/ingress.h) on the port's own list, put first so
// that nothing upstream of it spends time on what it drops; it runs before parse
// and decides from nothing but a packet's length, so the caches are unaffected (no
// megaflow depends on it, nothing to flush when the rate changes).
//
// Disposition: kept (in order) or dropped; nothing queued. A GSO super-frame costs
// its whole length, as it would on the wire.
#pragma once

#include <cstdint>

#include "dp/stages/ingress.h"
#include "dp/token_bucket.h"

namespace nodeswitch {

class Policer final : public IngressStage {
 public:
  // rate in kbit/s, burst in kbit; both > 0.
  Policer(uint32_t rate_kbps, uint32_t burst_kbits, uint64_t now_ns);
  uint32_t run(BurstLoop& loop, PortSlot& in, Packet* pkts, uint32_t n) override;
  // A new rate or burst: the bucket keeps its level (capped at the new depth).
  void reconfigure(uint32_t rate_kbps, uint32_t burst_kbits);

 private:
  TokenBucket bucket_;
};

}  // namespace nodeswitch
