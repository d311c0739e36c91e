#include "port/port_monitor.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace nodeswitch {

PortMonitor::PortMonitor() {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) throw std::runtime_error(std::string("netlink socket: ") + strerror(errno));
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    int saved = errno;
    close(fd_);
    throw std::runtime_error(std::string("netlink bind: ") + strerror(saved));
  }
}

bool netdev_running(const std::string& name) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq ifr{};
  strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  close(s);
  // SIOCGIFFLAGS gives the 16-bit flags only; IFF_RUNNING is the kernel's "up and
  // carrier on" there (IFF_LOWER_UP does not fit in 16 bits).
  return ok && (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

PortMonitor::~PortMonitor() {
  if (fd_ >= 0) close(fd_);
}

std::vector<LinkEvent> PortMonitor::read(bool* resync) {
  std::vector<LinkEvent> events;
  *resync = false;
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == ENOBUFS) {
        *resync = true;
        continue;
      }
      break;
    }
    for (nlmsghdr* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, size_t(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
      auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(h));
      bool running = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP);
      LinkEvent ev{h->nlmsg_type == RTM_NEWLINK ? LinkEvent::kNew : LinkEvent::kDel, ifi->ifi_index, {}, running};
      int attr_len = int(h->nlmsg_len) - int(NLMSG_LENGTH(sizeof(*ifi)));
      for (rtattr* a = IFLA_RTA(ifi); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
        if (a->rta_type == IFLA_IFNAME)
          ev.name.assign(static_cast<const char*>(RTA_DATA(a)), strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
      }
      events.push_back(std::move(ev));
    }
  }
  return events;
}

}  // namespace nodeswitch
