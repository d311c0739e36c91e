// Unaligned big-endian loads and the Ethernet address type.
//
// Frames arrive at any alignment (ring slots, JS Buffers), so every multi-byte
// field is read with memcpy, which compiles to one load (+ bswap) on x86 and arm64.
// Values taken out of a frame are converted to host order at once; the flow key
// holds host-order numbers and raw address bytes only.
#pragma once

#include <cstdint>
#include <cstring>

namespace nodeswitch {

inline uint16_t load_be16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return __builtin_bswap16(v);
#else
  return v;
#endif
}

inline uint32_t load_be32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return __builtin_bswap32(v);
#else
  return v;
#endif
}

// An Ethernet address as it appears on the wire. Alignment 1, so it packs
// anywhere inside a struct without padding.
struct MacAddr {
  uint8_t b[6];

  bool is_multicast() const { return b[0] & 1; }  // includes broadcast
  bool is_broadcast() const { return (b[0] & b[1] & b[2] & b[3] & b[4] & b[5]) == 0xff; }
  bool is_zero() const { return (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0; }
  bool operator==(const MacAddr& o) const { return std::memcmp(b, o.b, 6) == 0; }
  bool operator!=(const MacAddr& o) const { return !(*this == o); }
};
static_assert(sizeof(MacAddr) == 6 && alignof(MacAddr) == 1, "MacAddr must pack");

inline void load_mac(MacAddr* m, const uint8_t* p) { std::memcpy(m->b, p, 6); }

}  // namespace nodeswitch
