// The datapath's core vocabulary: a packet is a view of bytes owned by the port
// that received it, plus the virtio-net header that travels with it. Packets are
// never allocated per arrival: ports hand out views into their rings or buffer pools,
// and take them back when the whole burst has been sent.
#pragma once

#include <cstdint>

namespace nodeswitch {

// A burst: what one port hands over per receive call, and what one output queue
// holds before a flush. 32 is the size BESS, VPP and DPDK settled on: large enough
// to spread a syscall over many packets, small enough to stay in L1.
constexpr uint32_t kBurst = 32;

// Large enough for a 64 KB GSO super-frame plus its Ethernet and VLAN headers.
constexpr uint32_t kMaxFrame = 65536 + 64;

// struct virtio_net_hdr (10 bytes, host byte order on little-endian hosts): what
// AF_PACKET's PACKET_VNET_HDR and TAP's IFF_VNET_HDR speak. Spelled out here
// because <linux/virtio_net.h> does not compile as C++ (a field named `class`).
struct VnetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
static_assert(sizeof(VnetHdr) == 10, "virtio_net_hdr is 10 bytes");

constexpr uint8_t VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
constexpr uint8_t VIRTIO_NET_HDR_F_DATA_VALID = 2;
constexpr uint8_t VIRTIO_NET_HDR_GSO_NONE = 0;
constexpr uint8_t VIRTIO_NET_HDR_GSO_TCPV4 = 1;
constexpr uint8_t VIRTIO_NET_HDR_GSO_UDP = 3;
constexpr uint8_t VIRTIO_NET_HDR_GSO_TCPV6 = 4;
constexpr uint8_t VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
constexpr uint8_t VIRTIO_NET_HDR_GSO_ECN = 0x80;

struct Packet {
  uint8_t* data;
  uint32_t len;
  uint16_t in_slot;  // the slot of the port it arrived on (not an ofport)
  // When the frame arrived, ns since the epoch: a replayed record's own timestamp, so
  // that what it causes is written with that time. 0 where no port stamps it (live
  // ports: a capture reads the clock once per burst instead).
  uint64_t ts_ns;
  // Offload state: a checksum left for the device to finish (NEEDS_CSUM) and/or a
  // super-frame to be segmented (gso_type != NONE). All-zero means a plain frame.
  VnetHdr vnet;
  // The egress queue set_queue chose (a shaped port's, dp/stages/shaper.h); 0 by default.
  uint8_t queue = 0;
};

inline bool needs_offload(const Packet& p) {
  return (p.vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || p.vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE;
}

}  // namespace nodeswitch
