// A token bucket, the one both ingress policing (stages/policer.*) and OpenFlow
// meter bands (meter_table.*) are made of.
//
// Units. The rate is in kbit/s (or packets/s) and the depth in kbit (or packets),
// as Open vSwitch states both. One token is 10^-6 bit (or 10^-9 packet), so that
// refilling is exact integer arithmetic — `elapsed_ns * rate` tokens (a kbit/s
// rate adds rate·10^3 bit/s = rate·10^-6 bit/ns = `rate` tokens per ns) — with no
// division per packet. A 64-bit count holds a depth of 18·10^9 kbit.
//
// Time. `now_ns` is the burst's time (BurstLoop reads the monotonic clock once per
// burst); the bucket only moves forward (a time before the last refill adds nothing).
// It starts full, as Open vSwitch's meters and tc's police do.
#pragma once

#include <cstdint>

namespace nodeswitch {

class TokenBucket {
 public:
  static constexpr uint64_t kTokensPerBit = 1'000'000;            // kbit/s → tokens/ns
  static constexpr uint64_t kTokensPerPacket = 1'000'000'000;     // packets/s → tokens/ns
  static constexpr uint64_t kTokensPerDepthUnit = 1'000'000'000;  // 1 kbit, or 1 packet

  TokenBucket() = default;
  // rate: kbit/s or packets/s; depth: kbit or packets (both > 0).
  TokenBucket(uint64_t rate, uint64_t depth, uint64_t now_ns)
      : rate_(rate), capacity_(depth * kTokensPerDepthUnit), tokens_(capacity_), last_ns_(now_ns) {}

  // Keeps the fill level (up to the new depth) when a meter or policer is changed.
  void reconfigure(uint64_t rate, uint64_t depth) {
    rate_ = rate;
    capacity_ = depth * kTokensPerDepthUnit;
    if (tokens_ > capacity_) tokens_ = capacity_;
  }

  void refill(uint64_t now_ns) {
    if (now_ns <= last_ns_) return;
    uint64_t elapsed = now_ns - last_ns_;
    last_ns_ = now_ns;
    uint64_t room = capacity_ - tokens_;
    // elapsed * rate could overflow only past a full bucket: check with a division
    // only when the product might be large.
    if (rate_ && elapsed > room / rate_) tokens_ = capacity_;
    else tokens_ += elapsed * rate_;
  }

  // Takes `cost` tokens if there are that many; false (nothing taken) otherwise.
  bool take(uint64_t cost) {
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }

  static uint64_t cost_of_bytes(uint32_t bytes) { return uint64_t(bytes) * 8 * kTokensPerBit; }

  uint64_t rate() const { return rate_; }

 private:
  uint64_t rate_ = 0;
  uint64_t capacity_ = 0;
  uint64_t tokens_ = 0;
  uint64_t last_ns_ = 0;
};

}  // namespace nodeswitch
