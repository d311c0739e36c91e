#include "port/mem_port.h"

#include "core/frame_buffer.h"

namespace nodeswitch {

uint32_t MemPort::rx_burst(Packet* out, uint32_t max, PortCounters& c) {
  uint32_t n = 0;
  in_flight_.reserve(max);
  while (n < max && !rx_queue_.empty()) {
    // Headroom in front, so actions that push tags work as on the ring ports.
    const InFrame& in = rx_queue_.front();
    out[n] = packet_in_buffer(in_flight_.emplace_back(), in.bytes.data(), in.bytes.size());
    out[n].vnet = in.vnet;
    out[n].ts_ns = 0;
    rx_queue_.pop_front();
    n++;
  }
  return n;
}

void MemPort::release_rx() { in_flight_.clear(); }

void MemPort::tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) {
  for (uint32_t i = 0; i < n; i++) {
    sent_.emplace_back(pkts[i]->data, pkts[i]->data + pkts[i]->len);
    c.tx_packets++;
    c.tx_bytes += pkts[i]->len;
  }
}

void MemPort::inject(std::vector<InFrame>&& frames) {
  for (InFrame& f : frames) rx_queue_.push_back(std::move(f));
}

std::vector<MemPort::Frame> MemPort::drain() {
  std::vector<Frame> out;
  out.swap(sent_);
  return out;
}

}  // namespace nodeswitch
