// Egress shaping of one port (set-qos PORT type=htb max-rate=BPS --queue Q:…): the
// port's output goes through up to kMaxQueues FIFOs and an HTB-like scheduler that
// paces it out at the port's max-rate. As in Open vSwitch's linux-htb QoS (whose
// meanings the settings have, rates in bit/s):
//
//   - a packet's queue is the one set_queue:N (or enqueue:PORT:N) chose for it,
//     queue 0 — the default queue — when none did or the port has no queue N;
//   - a queue sends up to its min-rate whenever it has frames (its guarantee), ahead
//     of any borrowing;
//   - beyond that it borrows what the port's max-rate leaves unused, up to its own
//     max-rate: the lowest priority number first, queues of one priority in
//     proportion to their min-rates;
//   - a frame that finds its queue full (kQueueFrames frames or kQueueBytes bytes)
//     is dropped and counted; nothing else is ever dropped.
//
// Each rate is a token bucket in bytes, refilled from the datapath thread's
// monotonic clock once per run (not per packet), allowed to go negative by the frame
// that empties it, so that a GSO super-frame costs what its segments will, on the
// wire, and the long-run rate is exact. The FIFOs copy frames into storage the
// shaper allocated when it was configured (the burst's bytes belong to the input
// port); a departing frame is sent from there, and its room is taken again only by
// a later run, after the device has had it.
//
// The shaper never waits: run() takes the burst, gives back what may leave now, and
// says when the next frame is due (next_departure_ns); the datapath folds that into
// its wait timeout and calls run() again then (Datapath::service_shapers), so other
// ports keep forwarding at full rate while this one paces.
//
// It is the last thing a port's output meets before the device (BurstLoop::transmit,
// after the egress stages): what it shapes is what the device will send.
// Datapath thread only; no allocation, lock or syscall in run().
#pragma once

#include <cstdint>
#include <memory>

#include "core/packet.h"

namespace nodeswitch {

constexpr uint32_t kMaxQueues = 8;
// Each queue's bound: txqueuelen's default frames, and the bytes preallocated for them.
constexpr uint32_t kQueueFrames = 1000;
constexpr uint32_t kQueueBytes = 2u << 20;

struct QueueConfig {
  bool configured = false;
  uint64_t min_rate = 0;  // bit/s
  uint64_t max_rate = 0;  // bit/s
  uint32_t priority = 0;  // lower numbers first
};

struct ShaperConfig {
  uint64_t max_rate = 0;  // bit/s, the port's
  QueueConfig queues[kMaxQueues];
};

struct QueueCounters {
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_dropped = 0;  // the queue was full
};

struct QueueSnapshot {
  uint32_t queue;
  QueueConfig config;
  QueueCounters counters;
  uint32_t backlog_frames;
  uint64_t backlog_bytes;
};

class Shaper {
 public:
  Shaper(const ShaperConfig& config, uint64_t now_ns);
  // New rates and queues; queues that stay keep their frames and counters, queues
  // that go drop their frames (counted). Allocates: a command, between bursts.
  void configure(const ShaperConfig& config, uint64_t now_ns);

  // Takes queue[0..n) into the FIFOs (copied), then puts what may leave now in
  // queue[0..returned), at most `capacity` frames.
  uint32_t run(Packet** queue, uint32_t n, uint32_t capacity, uint64_t now_ns);
  // When run() has a frame to send next (~0: nothing queued).
  uint64_t next_departure_ns() const { return next_ns_; }
  bool backlogged() const { return backlog_ > 0; }
  uint64_t max_rate() const { return max_rate_; }

  // Configured queues (queue 0 always), in order.
  template <typename F>
  void for_each_queue(F&& f) const {
    for (uint32_t q = 0; q < kMaxQueues; q++) {
      const Queue& Q = queues_[q];
      if (Q.config.configured) f(QueueSnapshot{q, Q.config, Q.counters, Q.count, Q.used});
    }
  }

 private:
  struct Held {
    Packet pkt;     // data points into the queue's bytes
    uint32_t span;  // bytes of the ring it takes, with what a wrap skipped
  };
  struct Queue {
    QueueConfig config;
    std::unique_ptr<uint8_t[]> bytes;                                     // kQueueBytes, a ring
    std::unique_ptr<Held[]> held;                                         // kQueueFrames, a ring
    uint32_t head = 0, count = 0;                                         // oldest frame, frames held
    uint32_t read = 0, write = 0;                                         // the byte ring: oldest span's start, next free byte
    uint64_t used = 0;                                                    // bytes of the ring taken
    double min_tokens = 0, max_tokens = 0, min_burst = 0, max_burst = 0;  // bytes
    double min_rate = 0, max_rate = 0;                                    // bytes per ns
    double weight = 1;                                                    // share of what is borrowed, among one priority
    double vt = 0;                                                        // bytes borrowed / weight: the least goes first
    QueueCounters counters;
  };

  bool hold(Queue& q, const Packet& p);
  void release_head(Queue& q);
  void refill(uint64_t now_ns);
  // The queue to send from now, and whether within its min-rate; -1: none may.
  int pick(bool* green) const;
  uint64_t compute_next(uint64_t now_ns) const;

  Queue queues_[kMaxQueues];
  uint64_t max_rate_ = 0;  // bit/s
  double port_rate_ = 0;   // bytes per ns
  double port_tokens_ = 0, port_burst_ = 0;
  uint64_t last_ns_ = 0;
  uint64_t next_ns_ = ~0ull;
  uint32_t backlog_ = 0;  // frames held, all queues
};

// The bytes a frame puts on the wire: a GSO super-frame's segments each carry the headers.
uint32_t wire_bytes(const Packet& p);

}  // namespace nodeswitch
