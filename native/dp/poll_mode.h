// How the datapath thread waits for input (Bridge.setDatapathPoll): the choice
// between sleeping in epoll_wait, which costs a wakeup per arrival — ~40 µs on
// these VMs, most of a ping's RTT through the switch — and polling, which costs a
// core while it lasts.
//
//   adaptive   (default) after the last packet, keep polling for a short window
//              (200 µs, Bridge.setBusyPoll) — it catches back-to-back bursts and a
//              reply that comes straight back — then sleep. When a sleep is ended
//              by input soon after it began (request/response traffic whose gaps
//              outrun the window) the window doubles, up to kSpinMax, so the
//              thread stays awake across such gaps; a sleep that lasts longer than
//              kSpinMax (idle, or traffic that slow) puts the window back to its base.
//              So does a window in which the thread got less than 3/4 of the CPU
//              time it polled for: the core is shared, the kernel preempts a
//              polling thread, and a packet then waits milliseconds for it to run
//              again, where a sleeping thread is woken at once. Measured on this
//              project's 2-core VM (ping every 10 ms, 200 pings): with the core
//              free, growing took the median RTT from ~105 µs (interrupt) to ~66 µs
//              and p99 from ms to ~115 µs; under a load of 4–8, growing regardless
//              put p99 at 4–68 ms, against ~1–4 ms sleeping.
//   busy       never sleep: poll all the time, a core's worth (a PMD thread).
//   interrupt  never poll while idle: sleep as soon as a round brings nothing.
//
// The names are an X-macro list, exported to TypeScript (addon.constants.datapathPoll).
#pragma once

#include <cstdint>

#include "core/clock.h"
#include "core/enum_names.h"

namespace nodeswitch {

#define NS_POLL_MODES(X) \
  X(kAdaptive, adaptive) \
  X(kBusy, busy)         \
  X(kInterrupt, interrupt)

NS_NAMED_ENUM(PollMode, NS_POLL_MODES, kPollModeNames);

class PollPolicy {
 public:
  using Clock = uint64_t (*)();  // ns; a test passes its own clocks

  // `clock`: monotonic time; `cpu_clock`: the CPU time this thread has had.
  explicit PollPolicy(Clock clock = now_ns, Clock cpu_clock = thread_cpu_ns) : clock_(clock), cpu_clock_(cpu_clock) {}

  // The longest the adaptive window grows to: traffic with gaps longer than this
  // is not kept awake for.
  static constexpr uint64_t kSpinMax = 20'000'000;
  static constexpr int kNoWait = -1;

  void set_mode(PollMode mode) { mode_ = mode; }
  PollMode mode() const { return mode_; }
  // The adaptive window's base (Bridge.setBusyPoll), and what it is now.
  void set_spin(uint64_t ns) { base_ns_ = window_ns_ = ns; }
  uint64_t window_ns() const { return window_ns_; }

  // After a round over the ports: how long the thread may now block in epoll_wait —
  // kNoWait (input came: poll again at once), 0 (idle, but keep polling) or
  // `sleep_ms` (sleep until input, a command or the timeout).
  int next_wait(bool received, int sleep_ms);
  // After a wait of `timeout_ms` (as next_wait said): whether port input ended it,
  // or nothing did (the timeout). A command ending it says nothing about traffic.
  void after_wait(int timeout_ms, bool input, bool timed_out);

 private:
  Clock clock_;
  Clock cpu_clock_;
  PollMode mode_ = PollMode::kAdaptive;
  uint64_t base_ns_ = 200'000;
  uint64_t window_ns_ = 200'000;
  uint64_t last_packet_ns_ = 0;  // 0: stamped at the first idle round (no clock read per busy round)
  uint64_t sleep_start_ns_ = 0;
  uint64_t window_cpu_ns_ = 0;  // cpu_clock() when the window began
  bool contended_ = false;      // the thread got too little of the last window's time
};

}  // namespace nodeswitch
