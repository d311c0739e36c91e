// AF_PACKET port: an existing netdev (a VM's tap made by QEMU/libvirt, a veth, a NIC).
//
// RX: a TPACKET_V2 mmap ring. V2 hands each frame over as soon as it is written;
// V3 hands over whole blocks when full or when its timer (≥ 1 ms) fires, which made
// ping RTT 1.5 ms instead of 82 µs here at the same packet rate. Frames are 2 KB so
// the ring stays small and cache-friendly; a larger frame (a 64 KB GSO super-frame,
// a jumbo frame) is flagged TP_STATUS_COPY by the kernel (PACKET_COPY_THRESH) and
// read whole from the socket queue into one of a few big buffers.
//
// TX: sendmmsg, one syscall per burst, with PACKET_QDISC_BYPASS. A TX ring was
// measured here and was slower for 64-byte frames (0.12–0.17 Mpps against
// 0.16–0.20 with sendmmsg, same run): it maps ring pages into the skb as fragments,
// which the receiving stack then has to pull into a linear header again.
//
// Offloads: PACKET_VNET_HDR puts a virtio-net header before every frame both ways,
// so partial checksums and GSO super-frames cross the switch untouched and the
// kernel finishes them only at a device that cannot. PACKET_IGNORE_OUTGOING keeps
// the frames we send from coming back as input; the socket puts the device in
// promiscuous mode for as long as it is open.
#pragma once

#include <linux/if_packet.h>

#include <memory>
#include <string>
#include <vector>

#include "port/port.h"

namespace nodeswitch {

class AfPacketPort final : public Port {
 public:
  // Throws std::runtime_error with a message naming the device on failure.
  explicit AfPacketPort(const std::string& name);
  ~AfPacketPort() override;

  int fd() const override { return fd_; }
  int ifindex() const override { return ifindex_; }
  uint32_t rx_burst(Packet* out, uint32_t max, PortCounters& c) override;
  void release_rx() override;
  void tx_burst(Packet* const* pkts, uint32_t n, PortCounters& c) override;
  bool accepts_offloads() const override { return true; }
  void poll_counters(PortCounters& c) override;
  void clear_error() override;

 private:
  tpacket2_hdr* frame(uint32_t index) const { return reinterpret_cast<tpacket2_hdr*>(ring_ + size_t(index) * kFrameSize); }
  bool receive_copied(Packet* p);

  static constexpr uint32_t kFrameSize = 2048;
  static constexpr uint32_t kBlockSize = 1 << 16;
  static constexpr uint32_t kFrameCount = 1024;
  static constexpr uint32_t kBigBuffers = 8;
  // Headroom kept before the MAC header in ring frames, for tags the actions push.
  static constexpr uint32_t kReserve = 32;

  int fd_ = -1;
  int ifindex_ = 0;
  uint8_t* ring_ = nullptr;
  size_t ring_size_ = 0;
  uint32_t rx_head_ = 0;                         // next ring frame to read
  uint32_t rx_taken_ = 0;                        // frames handed out since the last release
  std::vector<std::unique_ptr<uint8_t[]>> big_;  // kBigBuffers × kMaxFrame
  uint32_t big_used_ = 0;
};

}  // namespace nodeswitch
