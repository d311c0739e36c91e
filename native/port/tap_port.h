// TAP port: a TAP device the switch creates and owns (IFF_TAP | IFF_NO_PI). Its
// netdev is the host's — or, once moved, a namespace's — way into the bridge; it
// lives as long as the port does.
//
// The tun driver has no batched read or write for userspace (only vhost gets one),
// so a burst is a run of non-blocking reads until EAGAIN, and sends are one writev
// each. IFF_VNET_HDR + TUNSETOFFLOAD let the kernel hand us partial checksums and
// TSO super-frames instead of finishing them in software, and take them back.
#pragma once

#include <memory>
#include <string>

#include "port/port.h"

namespace nodeswitch {

class TapPort final : public Port {
 public:
  // Creates (or attaches to a persistent) TAP device `name` and brings it up.
  explicit TapPort(const std::string& name);
  ~TapPort() override;

  int fd() const override { return fd_; }
  int ifindex() const override { return ifindex_; }
  uint32_t rx_burst(Packet* out, uint32_t max, PortCounters& c) override;
  void release_rx() override {}
  void tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) override;
  bool accepts_offloads() const override { return true; }
  bool failed() const override { return failed_; }

 private:
  static constexpr uint32_t kHeadroom = 64;
  static constexpr uint32_t kBufSize = kHeadroom + kMaxFrame;

  int fd_ = -1;
  int ifindex_ = 0;
  bool failed_ = false;
  // kBurst buffers of kBufSize: virtual memory, touched only as far as frames reach.
  std::unique_ptr<uint8_t[]> bufs_;
};

}  // namespace nodeswitch
