// TAP port: a TAP device the switch creates and owns (IFF_TAP | IFF_NO_PI). Its
// netdev is the host's — or, once moved, a namespace's — way into the bridge.
//
// Lifetime. A plain TAP lives as long as the port does. A persistent one
// (Options::persist, TUNSETPERSIST: what the daemon makes) outlives the process, in
// whatever namespace it was moved to, keeping its MAC and the namespace's
// addresses; the next start attaches to it again — in our namespace by name, in
// another one (Options::search_namespaces) by name and MAC, entering it to open the
// tun fd (netns_walk.h) — and only when it is found nowhere makes it anew, in our
// namespace, with Options::mac. remove() (the port deleted, not the switch closed)
// clears the persistence so that the device goes with the fd.
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
  struct Options {
    std::string name;
    bool persist = false;
    // The MAC the device had: a device made anew gets it; one found in another
    // namespace must have it (a name alone could be anyone's device there).
    bool has_mac = false;
    uint8_t mac[6] = {};
    bool search_namespaces = false;
    // Leave the device's admin state alone (a new one stays down): the bridge's LOCAL
    // port, which the host brings up when it wants to be on the switch, as with Open
    // vSwitch's internal port and a Linux bridge's own netdev.
    bool leave_down = false;
  };
  enum class Origin : uint8_t { kCreated, kAttached, kAttachedElsewhere };

  // Attaches to the device or creates it (see above) and brings a new one up.
  explicit TapPort(const Options& o);
  ~TapPort() override;

  int fd() const override { return fd_; }
  int ifindex() const override { return ifindex_; }
  uint32_t rx_burst(Packet* out, uint32_t max, PortCounters& c) override;
  void release_rx() override {}
  void tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) override;
  bool accepts_offloads() const override { return true; }
  bool failed() const override { return failed_; }

  Origin origin() const { return origin_; }
  // The port is deleted for good: a persistent device is removed with it.
  void remove();

 private:
  static constexpr uint32_t kHeadroom = 64;
  static constexpr uint32_t kBufSize = kHeadroom + kMaxFrame;

  int fd_ = -1;
  int ifindex_ = 0;
  bool failed_ = false;
  bool persist_ = false;
  Origin origin_ = Origin::kCreated;
  // kBurst buffers of kBufSize: virtual memory, touched only as far as frames reach.
  std::unique_ptr<uint8_t[]> bufs_;
};

}  // namespace nodeswitch
