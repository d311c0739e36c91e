// Software segmentation, for the rare output that cannot take a GSO super-frame
// (a mem port, a pcap file): what the kernel's skb_gso_segment does for a device
// without TSO. Every live port takes super-frames whole, so this is a slow path:
// it re-parses the headers and computes full checksums.
//
// TCP over IPv4/IPv6: the payload is cut into gso_size pieces; each segment gets
// its IP total/payload length, a fresh IPv4 ID (id + n) and header checksum, the
// TCP sequence number advanced, FIN/PSH only on the last segment and CWR only on
// the first, and a full TCP checksum. UDP (GSO_UDP_L4): gso_size datagrams, each
// with its own UDP header and checksum.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/packet.h"

namespace nodeswitch {

// Writes the segments of `p` into `scratch` and describes them in `out`. Returns
// how many, or 0 when `p` cannot be segmented here (unknown GSO type, headers that
// do not parse, more than `max_out` segments or more than `scratch_len` bytes).
uint32_t gso_segment(const Packet& p, uint8_t* scratch, size_t scratch_len, Packet* out, uint32_t max_out);

}  // namespace nodeswitch
