#include "port/tap_port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "port/netns_walk.h"

namespace nodeswitch {

namespace {

[[noreturn]] void fail(const std::string& name, const char* what) {
  throw std::runtime_error("cannot create TAP device " + name + ": " + what + ": " + strerror(errno));
}

// One ioctl on a control socket of the calling thread's namespace; errno kept.
bool ifreq_ioctl(unsigned long request, ifreq* ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  bool ok = ioctl(s, request, ifr) == 0;
  int saved = errno;
  close(s);
  errno = saved;
  return ok;
}

ifreq named(const std::string& name) {
  ifreq ifr{};
  strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return ifr;
}

bool has_mac(const std::string& name, const uint8_t* mac) {
  ifreq ifr = named(name);
  return ifreq_ioctl(SIOCGIFHWADDR, &ifr) && std::memcmp(ifr.ifr_hwaddr.sa_data, mac, 6) == 0;
}

void set_mac(const std::string& name, const uint8_t* mac) {
  ifreq ifr = named(name);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
  if (!ifreq_ioctl(SIOCSIFHWADDR, &ifr)) fail(name, "setting its MAC address");
}

void bring_up(const std::string& name) {
  ifreq ifr = named(name);
  bool ok = ifreq_ioctl(SIOCGIFFLAGS, &ifr);
  if (ok) {
    ifr.ifr_flags |= IFF_UP;
    ok = ifreq_ioctl(SIOCSIFFLAGS, &ifr);
  }
  if (!ok) fail(name, "bringing the device up");
}

int index_of(const std::string& name) {
  ifreq ifr = named(name);
  if (!ifreq_ioctl(SIOCGIFINDEX, &ifr)) fail(name, "SIOCGIFINDEX");
  return ifr.ifr_ifindex;
}

// A tun fd attached to the TAP `name` of the calling thread's namespace, made there
// when it does not exist. Offloads set; not persistent yet.
int open_tap(const std::string& name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail(name, "open /dev/net/tun");
  try {
    ifreq ifr = named(name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
      if (errno == EINVAL || errno == EBUSY) fail(name, "a device of that name exists and is not a free TAP");
      fail(name, "TUNSETIFF");
    }
    int hdr = sizeof(VnetHdr);
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) fail(name, "TUNSETVNETHDRSZ");
    // Checksum and TCP segmentation offload toward us; UDP segmentation where the
    // kernel knows it (6.2+), without it otherwise.
    unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
#ifdef TUN_F_USO4
    if (ioctl(fd, TUNSETOFFLOAD, base | TUN_F_USO4 | TUN_F_USO6) < 0)
#endif
      if (ioctl(fd, TUNSETOFFLOAD, base) < 0) fail(name, "TUNSETOFFLOAD");
  } catch (...) {
    close(fd);
    throw;
  }
  return fd;
}

}  // namespace

TapPort::TapPort(const Options& o) : persist_(o.persist) {
  const std::string& name = o.name;
  if (if_nametoindex(name.c_str()) != 0) {
    fd_ = open_tap(name);  // ours from before (persistent), or refused as not a free TAP
    origin_ = Origin::kAttached;
  } else if (o.search_namespaces && o.has_mac) {
    for_each_other_netns([&] {
      if (if_nametoindex(name.c_str()) == 0 || !has_mac(name, o.mac)) return false;
      fd_ = open_tap(name);
      ifindex_ = index_of(name);  // that namespace's
      return true;
    });
    if (fd_ >= 0) origin_ = Origin::kAttachedElsewhere;
  }
  try {
    if (fd_ < 0) {
      fd_ = open_tap(name);
      origin_ = Origin::kCreated;
      if (o.has_mac) set_mac(name, o.mac);
    }
    if (o.persist && ioctl(fd_, TUNSETPERSIST, 1) < 0) fail(name, "TUNSETPERSIST");
    // A device in another namespace is that namespace's to configure (it is up there
    // already if it was); ours is brought up.
    if (origin_ != Origin::kAttachedElsewhere) {
      if (!o.leave_down) bring_up(name);
      ifindex_ = index_of(name);
    }
  } catch (...) {
    if (origin_ == Origin::kCreated && fd_ >= 0) ioctl(fd_, TUNSETPERSIST, 0);  // made here: goes again
    if (fd_ >= 0) close(fd_);
    throw;
  }
  bufs_.reset(new uint8_t[size_t(kBufSize) * kBurst]);
}

TapPort::~TapPort() {
  if (fd_ >= 0) close(fd_);
}

void TapPort::remove() {
  if (persist_ && fd_ >= 0) ioctl(fd_, TUNSETPERSIST, 0);
  persist_ = false;
}

uint32_t TapPort::rx_burst(Packet* out, uint32_t max, PortCounters& c) {
  uint32_t n = 0;
  while (n < max) {
    Packet* p = &out[n];
    uint8_t* buf = bufs_.get() + size_t(n) * kBufSize + kHeadroom;
    iovec iov[2] = {{&p->vnet, sizeof(VnetHdr)}, {buf, kMaxFrame}};
    ssize_t r = readv(fd_, iov, 2);
    if (r < 0) {
      if (errno == EBADFD) failed_ = true;  // the netdev was deleted under us
      else if (errno != EAGAIN && errno != EINTR) c.rx_errors++;
      break;
    }
    if (r < ssize_t(sizeof(VnetHdr))) {
      c.rx_errors++;
      continue;
    }
    p->data = buf;
    p->len = uint32_t(r - sizeof(VnetHdr));
    p->ts_ns = 0;
    n++;
  }
  return n;
}

void TapPort::tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) {
  for (uint32_t i = 0; i < n; i++) {
    iovec iov[2] = {{const_cast<VnetHdr*>(&pkts[i]->vnet), sizeof(VnetHdr)}, {pkts[i]->data, pkts[i]->len}};
    if (writev(fd_, iov, 2) >= 0) {
      c.tx_packets++;
      c.tx_bytes += pkts[i]->len;
    } else if (errno == EAGAIN || errno == ENOBUFS || errno == EIO) {
      c.tx_dropped++;  // EIO: the device is administratively down
    } else {
      c.tx_errors++;
    }
  }
}

}  // namespace nodeswitch
