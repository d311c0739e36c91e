// A frame copied into memory of its own, for the paths that do not come from a
// port's ring: mem ports, ingest (nodeswitch inject) and packet-out. It gets the
// headroom the port drivers leave in front of a frame, for the VLAN tags actions push.
#pragma once

#include <cstring>
#include <vector>

#include "core/packet.h"

namespace nodeswitch {

constexpr uint32_t kHeadroom = 64;

// Copies `len` bytes into `buf` (resized) after kHeadroom bytes; the packet views them.
inline Packet packet_in_buffer(std::vector<uint8_t>& buf, const uint8_t* data, size_t len) {
  buf.resize(kHeadroom + len);
  if (len) std::memcpy(buf.data() + kHeadroom, data, len);
  Packet p{};
  p.data = buf.data() + kHeadroom;
  p.len = uint32_t(len);
  return p;
}

}  // namespace nodeswitch
