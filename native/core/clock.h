// The datapath's clocks. MONOTONIC for durations and flow idle times, its COARSE
// form (a few ms of resolution, no syscall, ~5 ns) where seconds or milliseconds do:
// MAC aging, flow counters read once per burst.
#pragma once

#include <time.h>

#include <cstdint>

namespace nodeswitch {

inline uint64_t clock_ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

inline uint64_t now_ns() { return clock_ns(CLOCK_MONOTONIC); }
inline uint64_t now_ms() { return clock_ns(CLOCK_MONOTONIC_COARSE) / 1'000'000; }
inline uint32_t now_seconds() { return uint32_t(clock_ns(CLOCK_MONOTONIC_COARSE) / 1'000'000'000); }
// CPU time the calling thread has had (user + system); a syscall, not for per packet.
inline uint64_t thread_cpu_ns() { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }
// Wall-clock time, for pcap timestamps a person reads.
inline uint64_t realtime_ns() { return clock_ns(CLOCK_REALTIME); }

}  // namespace nodeswitch
