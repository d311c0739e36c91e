#include "port/pcap_port.h"

#include <time.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace nodeswitch {

namespace {
inline size_t align64(size_t n) { return (n + 63) & ~size_t(63); }
}  // namespace

PcapPort::PcapPort(const Options& o) : record_times_(o.record_times), passes_left_(o.repeat == 0 ? 0 : o.repeat - 1) {
  if (!o.in_path.empty()) {
    reader_ = std::make_unique<PcapReader>(o.in_path);
    eof_ = o.repeat == 0;
  }
  if (!o.out_path.empty()) writer_ = std::make_unique<PcapWriter>(o.out_path, o.out_resolution);
  arena_size_ = kBurst * (kHeadroom + kSlot) + kHeadroom + align64(kMaxFrame);
  arena_ = static_cast<uint8_t*>(std::aligned_alloc(64, arena_size_));
  if (!arena_) throw std::bad_alloc();
}

PcapPort::~PcapPort() { std::free(arena_); }

uint32_t PcapPort::rx_burst(Packet* out, uint32_t max, PortCounters& c) {
  if (eof()) return 0;
  uint32_t n = 0;
  size_t used = 0;
  while (n < max) {
    PcapReader::Record& r = held_;
    if (holding_) {
      holding_ = false;
    } else if (!reader_->next(&r)) {
      if (passes_left_ == 0) {
        eof_ = true;
        break;
      }
      passes_left_--;
      reader_->rewind();
      if (!reader_->next(&r)) {  // an empty file
        eof_ = true;
        break;
      }
    }
    if (r.caplen < r.len) {
      c.rx_dropped++;
      truncated_++;
      continue;
    }
    if (r.caplen > kMaxFrame) {
      c.rx_errors++;
      oversize_++;
      continue;
    }
    size_t need = kHeadroom + align64(r.caplen);
    if (used + need > arena_size_) {
      holding_ = true;
      break;
    }
    uint8_t* d = arena_ + used + kHeadroom;
    std::memcpy(d, r.data, r.caplen);
    out[n].data = d;
    out[n].len = r.caplen;
    out[n].in_slot = 0;
    out[n].vnet = VnetHdr{};
    out[n].ts_ns = r.ts_ns;
    used += need;
    n++;
  }
  return n;
}

void PcapPort::tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) {
  if (!writer_) {
    // A replay without --out: the frames were switched to this port, only not
    // recorded; the summary still shows what each port sent.
    for (uint32_t i = 0; i < n; i++) {
      c.tx_packets++;
      c.tx_bytes += pkts[i]->len;
    }
    return;
  }
  uint64_t wall = 0;
  if (!record_times_) {
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    wall = uint64_t(now.tv_sec) * 1000000000u + uint64_t(now.tv_nsec);
  }
  for (uint32_t i = 0; i < n; i++) {
    const Packet* p = pkts[i];
    uint64_t dropped = writer_->dropped();
    writer_->write(p->data, p->len, record_times_ ? p->ts_ns : wall);
    if (writer_->dropped() != dropped) {
      c.tx_errors++;
    } else {
      c.tx_packets++;
      c.tx_bytes += p->len;
    }
  }
}

void PcapPort::rewind() {
  if (!reader_) return;
  reader_->rewind();
  holding_ = false;
  eof_ = false;
}

void PcapPort::close() {
  if (writer_) writer_->close();
}

}  // namespace nodeswitch
