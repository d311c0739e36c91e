#include "port/af_packet_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <cstring>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace nodeswitch {

namespace {

[[noreturn]] void fail(const std::string& name, const char* what) {
  throw std::runtime_error("cannot attach " + name + ": " + what + ": " + strerror(errno));
}

void set_opt(int fd, const std::string& name, int level, int opt, const void* val, socklen_t len, const char* what) {
  if (setsockopt(fd, level, opt, val, len) < 0) fail(name, what);
}

// Ring status words are shared with the kernel: read with acquire, hand back with release.
uint32_t load_status(tpacket2_hdr* h) { return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE); }
void store_status(tpacket2_hdr* h, uint32_t v) { __atomic_store_n(&h->tp_status, v, __ATOMIC_RELEASE); }

}  // namespace

AfPacketPort::AfPacketPort(const std::string& name) {
  ifindex_ = int(if_nametoindex(name.c_str()));
  if (ifindex_ == 0) throw std::runtime_error("no network device named " + name);
  // Protocol 0 receives nothing until bind, so the ring is set up before traffic.
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail(name, errno == EPERM ? "AF_PACKET socket (needs root or CAP_NET_RAW)" : "AF_PACKET socket");
  try {
    int v = TPACKET_V2;
    set_opt(fd_, name, SOL_PACKET, PACKET_VERSION, &v, sizeof v, "PACKET_VERSION");
    v = 1;
    set_opt(fd_, name, SOL_PACKET, PACKET_VNET_HDR, &v, sizeof v, "PACKET_VNET_HDR");
    v = kReserve;
    set_opt(fd_, name, SOL_PACKET, PACKET_RESERVE, &v, sizeof v, "PACKET_RESERVE");
    v = 1;
    set_opt(fd_, name, SOL_PACKET, PACKET_COPY_THRESH, &v, sizeof v, "PACKET_COPY_THRESH");
    set_opt(fd_, name, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof v, "PACKET_QDISC_BYPASS");
    set_opt(fd_, name, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v, sizeof v, "PACKET_IGNORE_OUTGOING");
    // Room for the big frames that bypass the ring.
    v = 4 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v);
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v);

    tpacket_req req{};
    req.tp_block_size = kBlockSize;
    req.tp_frame_size = kFrameSize;
    req.tp_block_nr = kFrameCount / (kBlockSize / kFrameSize);
    req.tp_frame_nr = kFrameCount;
    set_opt(fd_, name, SOL_PACKET, PACKET_RX_RING, &req, sizeof req, "PACKET_RX_RING");
    ring_size_ = size_t(req.tp_block_size) * req.tp_block_nr;
    void* ring = mmap(nullptr, ring_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED | MAP_POPULATE, fd_, 0);
    if (ring == MAP_FAILED) ring = mmap(nullptr, ring_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (ring == MAP_FAILED) fail(name, "mmap of the RX ring");
    ring_ = static_cast<uint8_t*>(ring);

    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = ifindex_;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) fail(name, "bind");

    packet_mreq mr{};
    mr.mr_ifindex = ifindex_;
    mr.mr_type = PACKET_MR_PROMISC;
    set_opt(fd_, name, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr, "promiscuous mode");
  } catch (...) {
    if (ring_) munmap(ring_, ring_size_);
    close(fd_);
    throw;
  }
  big_.reserve(kBigBuffers);
}

AfPacketPort::~AfPacketPort() {
  if (ring_) munmap(ring_, ring_size_);
  if (fd_ >= 0) close(fd_);
}

bool AfPacketPort::receive_copied(Packet* p) {
  if (big_used_ == kBigBuffers) return false;
  if (big_used_ == big_.size()) big_.emplace_back(new uint8_t[kMaxFrame + kReserve]);
  uint8_t* buf = big_[big_used_].get();
  iovec iov[2] = {{&p->vnet, sizeof(VnetHdr)}, {buf + kReserve, kMaxFrame}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_TRUNC);
  if (n < ssize_t(sizeof(VnetHdr))) return false;
  p->data = buf + kReserve;
  p->len = uint32_t(n - sizeof(VnetHdr));
  p->ts_ns = 0;
  if (p->len > kMaxFrame) return false;
  big_used_++;
  return true;
}

uint32_t AfPacketPort::rx_burst(Packet* out, uint32_t max, PortCounters& c) {
  uint32_t n = 0;
  while (n < max) {
    tpacket2_hdr* h = frame(rx_head_);
    uint32_t status = load_status(h);
    if (!(status & TP_STATUS_USER)) break;
    Packet* p = &out[n];
    uint8_t* mac = reinterpret_cast<uint8_t*>(h) + h->tp_mac;
    bool ok;
    if (status & TP_STATUS_COPY) {
      // The whole frame waits in the socket queue, in ring order.
      if (big_used_ == kBigBuffers) break;  // next burst, once buffers are free
      ok = receive_copied(p);
    } else if (h->tp_snaplen < h->tp_len) {
      ok = false;  // too big for the ring and the socket queue was full
    } else {
      std::memcpy(&p->vnet, mac - sizeof(VnetHdr), sizeof(VnetHdr));
      p->data = mac;
      p->len = h->tp_snaplen;
      p->ts_ns = 0;
      ok = true;
    }
    rx_head_ = rx_head_ + 1 == kFrameCount ? 0 : rx_head_ + 1;
    rx_taken_++;
    if (!ok) {
      c.rx_dropped++;
      continue;
    }
    // The kernel took the VLAN tag out of the frame (hardware-style tag offload);
    // put it back so the switch sees the frame as it was on the wire.
    if ((status & TP_STATUS_VLAN_VALID) || h->tp_vlan_tci) {
      uint16_t tpid = (status & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid : 0x8100;
      uint8_t* d = p->data - 4;
      std::memmove(d, p->data, 12);
      d[12] = uint8_t(tpid >> 8);
      d[13] = uint8_t(tpid);
      d[14] = uint8_t(h->tp_vlan_tci >> 8);
      d[15] = uint8_t(h->tp_vlan_tci);
      p->data = d;
      p->len += 4;
      if (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) p->vnet.csum_start += 4;
      if (p->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE) p->vnet.hdr_len += 4;
    }
    n++;
  }
  return n;
}

void AfPacketPort::release_rx() {
  // Hand frames back oldest first, so the kernel's next write finds them free.
  uint32_t i = (rx_head_ + kFrameCount - rx_taken_) % kFrameCount;
  for (; rx_taken_ > 0; rx_taken_--) {
    store_status(frame(i), TP_STATUS_KERNEL);
    i = i + 1 == kFrameCount ? 0 : i + 1;
  }
  big_used_ = 0;
}

void AfPacketPort::tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) {
  iovec iov[kBurst][2];
  mmsghdr msgs[kBurst];
  for (uint32_t done = 0; done < n;) {
    uint32_t count = 0;
    for (uint32_t i = done; i < n && count < kBurst; i++, count++) {
      iov[count][0] = {const_cast<VnetHdr*>(&pkts[i]->vnet), sizeof(VnetHdr)};
      iov[count][1] = {pkts[i]->data, pkts[i]->len};
      msgs[count].msg_hdr = msghdr{};
      msgs[count].msg_hdr.msg_iov = iov[count];
      msgs[count].msg_hdr.msg_iovlen = 2;
    }
    uint32_t off = 0;
    bool retried = false;
    while (off < count) {
      int sent = sendmmsg(fd_, msgs + off, count - off, MSG_DONTWAIT);
      if (sent > 0) {
        for (int k = 0; k < sent; k++) {
          c.tx_packets++;
          c.tx_bytes += pkts[done + off + k]->len;
        }
        off += uint32_t(sent);
        continue;
      }
      // A link that went down and up again leaves ENETDOWN pending on the socket;
      // the failed send consumed it, so the same frame goes through on a retry.
      if (errno == ENETDOWN && !retried) {
        retried = true;
        continue;
      }
      retried = false;
      // The message at `off` failed: a full queue is a drop, anything else an error.
      if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) c.tx_dropped++;
      else c.tx_errors++;
      off++;
    }
    done += count;
  }
}

void AfPacketPort::clear_error() {
  int err;
  socklen_t len = sizeof err;
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
}

void AfPacketPort::poll_counters(PortCounters& c) {
  tpacket_stats st{};
  socklen_t len = sizeof st;
  // Reading resets the kernel's counters, so each drop is added once.
  if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) c.rx_dropped += st.tp_drops;
}

}  // namespace nodeswitch
