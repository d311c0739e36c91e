// Watches netdevs come and go (rtnetlink RTMGRP_LINK), so that a port whose device
// vanishes — the VM was destroyed, the veth deleted — is marked down instead of
// failing on every send, and is reattached when a device of that name reappears.
#pragma once

#include <string>
#include <vector>

namespace nodeswitch {

struct LinkEvent {
  enum Kind { kNew, kDel } kind;
  int ifindex;
  std::string name;
  bool running;  // kNew: administratively up and with carrier (IFF_UP and IFF_LOWER_UP)
};

// Whether the netdev `name` is up and has carrier now.
bool netdev_running(const std::string& name);

class PortMonitor {
 public:
  PortMonitor();  // throws std::runtime_error
  ~PortMonitor();
  int fd() const { return fd_; }
  // Reads every pending notification. If the socket overflowed (ENOBUFS), sets
  // *resync: events were lost and the caller should re-check its ports.
  std::vector<LinkEvent> read(bool* resync);

 private:
  int fd_ = -1;
};

}  // namespace nodeswitch
