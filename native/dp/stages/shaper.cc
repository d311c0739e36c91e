#include "dp/stages/shaper.h"

#include <algorithm>
#include <cstring>

namespace nodeswitch {

namespace {

constexpr double kBitsPerNs = 8e9;  // bit/s → bytes per ns: divide by this
// A bucket holds this much time at its rate, and at least two full-size frames: what
// a late wakeup may owe, so that being woken late costs no throughput. Measured on
// this project's shared 2-core VM (load ~12): with 2 ms a 20 Mbit/s port sent 11–20
// Mbit/s as the thread lost the core for longer; with 20 ms, 20.0 ± 0.5 — but at a
// load of 14, runs at 82 % of the rate still came; 50 ms absorbs that too. The
// price: after an idle spell a port may send 50 ms of its rate at once.
constexpr double kBurstNs = 50e6;
constexpr double kMinBurst = 2 * 1514;
// The shortest wait the shaper asks for: waking per frame at high rates buys nothing
// the bucket does not already absorb.
constexpr uint64_t kMinWaitNs = 50'000;

double burst_for(double rate) { return std::max(rate * kBurstNs, kMinBurst); }

}  // namespace

uint32_t wire_bytes(const Packet& p) {
  const uint8_t gso = p.vnet.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
  if (gso == VIRTIO_NET_HDR_GSO_NONE || p.vnet.gso_size == 0) return p.len;
  // Headers up to the payload: csum_start is where L4 begins.
  uint32_t hdr = p.vnet.csum_start;
  if (gso == VIRTIO_NET_HDR_GSO_UDP_L4 || gso == VIRTIO_NET_HDR_GSO_UDP) hdr += 8;
  else if (hdr + 12 < p.len) hdr += (p.data[hdr + 12] >> 4) * 4u;
  else return p.len;
  if (hdr >= p.len) return p.len;
  uint32_t segs = (p.len - hdr + p.vnet.gso_size - 1) / p.vnet.gso_size;
  return p.len + (segs - 1) * hdr;
}

Shaper::Shaper(const ShaperConfig& config, uint64_t now_ns) : last_ns_(now_ns) { configure(config, now_ns); }

void Shaper::configure(const ShaperConfig& config, uint64_t now_ns) {
  refill(now_ns);
  max_rate_ = config.max_rate;
  port_rate_ = double(config.max_rate) / kBitsPerNs;
  port_burst_ = burst_for(port_rate_);
  port_tokens_ = std::min(port_tokens_, port_burst_);
  if (port_tokens_ == 0) port_tokens_ = port_burst_;
  for (uint32_t q = 0; q < kMaxQueues; q++) {
    Queue& Q = queues_[q];
    QueueConfig c = config.queues[q];
    if (q == 0 && !c.configured) c = {true, 0, config.max_rate, 0};  // the default queue
    if (!c.configured) {
      while (Q.count) {
        Q.counters.tx_dropped++;
        release_head(Q);
      }
      Q = Queue{};
      continue;
    }
    if (!Q.bytes) {
      Q.bytes.reset(new uint8_t[kQueueBytes]);
      Q.held.reset(new Held[kQueueFrames]);
      Q.head = Q.count = Q.read = Q.write = 0;
      Q.used = 0;
    }
    bool fresh = !Q.config.configured;
    Q.config = c;
    Q.min_rate = double(c.min_rate) / kBitsPerNs;
    Q.max_rate = double(std::min(c.max_rate, config.max_rate)) / kBitsPerNs;
    Q.min_burst = Q.min_rate > 0 ? burst_for(Q.min_rate) : 0;
    Q.max_burst = burst_for(Q.max_rate);
    if (fresh) Q.min_tokens = Q.min_burst, Q.max_tokens = Q.max_burst;
    Q.min_tokens = std::min(Q.min_tokens, Q.min_burst);
    Q.max_tokens = std::min(Q.max_tokens, Q.max_burst);
    // HTB's quantum is rate-based with a floor; so is the share of what is borrowed.
    Q.weight = std::max(Q.min_rate, port_rate_ / 100);
  }
  next_ns_ = compute_next(now_ns);
}

// ---- the FIFOs ---------------------------------------------------------------

bool Shaper::hold(Queue& q, const Packet& p) {
  if (q.count == kQueueFrames || p.len > kQueueBytes) return false;
  if (q.count == 0) q.read = q.write = 0, q.used = 0;
  uint32_t offset, span;
  if (q.used == kQueueBytes) return false;
  if (q.write >= q.read && !(q.write == q.read && q.used)) {
    // Not wrapped: room at the end, or else at the start (the end is skipped).
    if (kQueueBytes - q.write >= p.len) offset = q.write, span = p.len;
    else if (q.read >= p.len) offset = 0, span = kQueueBytes - q.write + p.len;
    else return false;
  } else {
    if (q.read - q.write < p.len) return false;
    offset = q.write, span = p.len;
  }
  std::memcpy(q.bytes.get() + offset, p.data, p.len);
  Held& h = q.held[(q.head + q.count) % kQueueFrames];
  h.pkt = p;
  h.pkt.data = q.bytes.get() + offset;
  h.span = span;
  q.write = offset + p.len;
  q.used += span;
  q.count++;
  return true;
}

void Shaper::release_head(Queue& q) {
  const Held& h = q.held[q.head];
  q.read += h.span;
  if (q.read >= kQueueBytes) q.read -= kQueueBytes;
  q.used -= h.span;
  q.head = (q.head + 1) % kQueueFrames;
  q.count--;
  backlog_--;
}

// ---- the scheduler -------------------------------------------------------------

void Shaper::refill(uint64_t now_ns) {
  if (now_ns <= last_ns_) return;
  const double dt = double(now_ns - last_ns_);
  last_ns_ = now_ns;
  port_tokens_ = std::min(port_tokens_ + dt * port_rate_, port_burst_);
  for (Queue& Q : queues_) {
    if (!Q.config.configured) continue;
    Q.min_tokens = std::min(Q.min_tokens + dt * Q.min_rate, Q.min_burst);
    Q.max_tokens = std::min(Q.max_tokens + dt * Q.max_rate, Q.max_burst);
  }
}

int Shaper::pick(bool* green) const {
  int best = -1;
  bool best_green = false;
  for (uint32_t q = 0; q < kMaxQueues; q++) {
    const Queue& Q = queues_[q];
    if (!Q.count || Q.max_tokens <= 0) continue;
    const bool g = Q.min_tokens > 0;
    if (best >= 0) {
      const Queue& B = queues_[best];
      if (best_green && !g) continue;
      if (best_green == g) {
        if (Q.config.priority > B.config.priority) continue;
        if (Q.config.priority == B.config.priority && !g && Q.vt >= B.vt) continue;
        if (Q.config.priority == B.config.priority && g) continue;  // guarantees: each bounded by its own bucket
      }
    }
    best = int(q);
    best_green = g;
  }
  *green = best_green;
  return best;
}

uint32_t Shaper::run(Packet** queue, uint32_t n, uint32_t capacity, uint64_t now_ns) {
  for (uint32_t i = 0; i < n; i++) {
    const Packet& p = *queue[i];
    uint32_t q = p.queue < kMaxQueues && queues_[p.queue].config.configured ? p.queue : 0;
    Queue& Q = queues_[q];
    if (Q.count == 0) {
      // Back from idle: borrow from where the others are, not from a past left unused.
      double least = -1;
      for (const Queue& O : queues_) {
        if (O.count && O.config.priority == Q.config.priority && (least < 0 || O.vt < least)) least = O.vt;
      }
      if (least > Q.vt) Q.vt = least;
    }
    if (hold(Q, p)) backlog_++;
    else Q.counters.tx_dropped++;
  }
  refill(now_ns);
  uint32_t k = 0;
  while (k < capacity && port_tokens_ > 0) {
    bool green;
    int q = pick(&green);
    if (q < 0) break;
    Queue& Q = queues_[q];
    Held& h = Q.held[Q.head];
    const double wire = wire_bytes(h.pkt);
    port_tokens_ -= wire;
    Q.max_tokens -= wire;
    if (green) Q.min_tokens -= wire;
    else Q.vt += wire / Q.weight;
    Q.counters.tx_packets++;
    Q.counters.tx_bytes += h.pkt.len;
    queue[k++] = &h.pkt;
    // Its bytes stay as they are until a later run() holds new frames: the device
    // sends them before that.
    release_head(Q);
  }
  next_ns_ = k == capacity && backlog_ ? now_ns : compute_next(now_ns);
  return k;
}

uint64_t Shaper::compute_next(uint64_t now_ns) const {
  if (!backlog_) return ~0ull;
  double wait = port_tokens_ > 0 ? 0 : -port_tokens_ / port_rate_;
  double queue_wait = -1;
  for (const Queue& Q : queues_) {
    if (!Q.count) continue;
    double w = Q.max_tokens > 0 ? 0 : -Q.max_tokens / Q.max_rate;
    if (queue_wait < 0 || w < queue_wait) queue_wait = w;
  }
  wait = std::max(wait, queue_wait);
  return now_ns + std::max(kMinWaitNs, uint64_t(wait) + 1);
}

}  // namespace nodeswitch
