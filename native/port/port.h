// A port driver moves bursts of packets between one device and the datapath.
// rx_burst hands out views into the driver's own memory (a ring, a buffer pool);
// they stay valid until release_rx(), which the datapath calls once the whole
// burst has been sent, so forwarding needs no copy and no allocation.
#pragma once

#include <cstdint>
#include <string>

#include "core/counters.h"
#include "core/packet.h"

namespace nodeswitch {

class Port {
 public:
  virtual ~Port() = default;

  // The fd to wait on for input, or -1 for ports fed by commands (mem).
  virtual int fd() const = 0;
  virtual int ifindex() const = 0;
  // Receives up to `max` packets. Counts what the driver itself drops (truncated
  // frames) in `c`; the datapath counts what it accepts.
  virtual uint32_t rx_burst(Packet* out, uint32_t max, PortCounters& c) = 0;
  virtual void release_rx() = 0;
  // Sends `n` packets, counting tx_packets/bytes/dropped/errors in `c`. Packets
  // still belong to their input port; the driver copies what it keeps.
  virtual void tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) = 0;
  // True when the device takes virtio-net offload headers (partial checksums,
  // GSO super-frames) as they are; otherwise the datapath finishes them first.
  virtual bool accepts_offloads() const = 0;
  // Reads counters the kernel keeps for us (ring drops) into `c`.
  virtual void poll_counters(PortCounters& c) {}
  // True once the device is gone for good (a TAP whose netdev was deleted).
  virtual bool failed() const { return false; }
  // Clears an error the kernel left pending on the port's socket (ENETDOWN after
  // a link went down), which would otherwise make epoll report it forever.
  virtual void clear_error() {}
};

}  // namespace nodeswitch
