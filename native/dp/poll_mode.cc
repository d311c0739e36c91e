#include "dp/poll_mode.h"

namespace nodeswitch {

int PollPolicy::next_wait(bool received, int sleep_ms) {
  if (received) {
    last_packet_ns_ = 0;
    return kNoWait;
  }
  switch (mode_) {
    case PollMode::kBusy: return 0;
    case PollMode::kInterrupt: return sleep_ms;
    case PollMode::kAdaptive: break;
  }
  uint64_t t = clock_();
  if (last_packet_ns_ == 0) {
    last_packet_ns_ = t;
    window_cpu_ns_ = cpu_clock_();
  }
  if (t - last_packet_ns_ < window_ns_) return 0;
  sleep_start_ns_ = t;
  // Polling, the thread runs all the time it is not preempted.
  contended_ = (cpu_clock_() - window_cpu_ns_) * 4 < (t - last_packet_ns_) * 3;
  return sleep_ms;
}

void PollPolicy::after_wait(int timeout_ms, bool input, bool timed_out) {
  if (mode_ != PollMode::kAdaptive || timeout_ms == 0 || !(input || timed_out)) return;
  // Input soon after falling asleep: a longer window would have caught it awake —
  // if the thread had the core to itself while it polled.
  bool soon = input && clock_() - sleep_start_ns_ < kSpinMax;
  if (!soon || contended_) window_ns_ = base_ns_;
  else window_ns_ = window_ns_ * 2 < kSpinMax ? window_ns_ * 2 : kSpinMax;
}

}  // namespace nodeswitch
