#include "port/tap_port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <stdexcept>

namespace nodeswitch {

namespace {

[[noreturn]] void fail(const std::string& name, const char* what) {
  throw std::runtime_error("cannot create TAP device " + name + ": " + what + ": " + strerror(errno));
}

void bring_up(const std::string& name, int* ifindex) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail(name, "control socket");
  ifreq ifr{};
  strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags |= IFF_UP;
    ok = ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  if (ok) ok = ioctl(s, SIOCGIFINDEX, &ifr) == 0;
  int saved = errno;
  close(s);
  errno = saved;
  if (!ok) fail(name, "bringing the device up");
  *ifindex = ifr.ifr_ifindex;
}

}  // namespace

TapPort::TapPort(const std::string& name) {
  fd_ = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) fail(name, "open /dev/net/tun");
  try {
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd_, TUNSETIFF, &ifr) < 0) {
      if (errno == EINVAL || errno == EBUSY) fail(name, "a device of that name exists and is not a free TAP");
      fail(name, "TUNSETIFF");
    }
    int hdr = sizeof(VnetHdr);
    if (ioctl(fd_, TUNSETVNETHDRSZ, &hdr) < 0) fail(name, "TUNSETVNETHDRSZ");
    // Checksum and TCP segmentation offload toward us; UDP segmentation where the
    // kernel knows it (6.2+), without it otherwise.
    unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
#ifdef TUN_F_USO4
    if (ioctl(fd_, TUNSETOFFLOAD, base | TUN_F_USO4 | TUN_F_USO6) < 0)
#endif
      if (ioctl(fd_, TUNSETOFFLOAD, base) < 0) fail(name, "TUNSETOFFLOAD");
    bring_up(name, &ifindex_);
  } catch (...) {
    close(fd_);
    throw;
  }
  bufs_.reset(new uint8_t[size_t(kBufSize) * kBurst]);
}

TapPort::~TapPort() {
  if (fd_ >= 0) close(fd_);
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
