#include "core/gso.h"

#include <cstring>

#include "core/checksum.h"
#include "parse/flow_key.h"

namespace nodeswitch {

namespace {

void store_be16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

// Fixes the IP header of one segment whose L3 header starts at `l3` and whose
// L3 payload (L4 header + data) is `l4_bytes` long; returns the pseudo-header sum.
uint32_t fix_ip(uint8_t* frame, const FlowKey& key, uint32_t l4_bytes, uint16_t ip_id_add) {
  uint8_t* l3 = frame + key.l3_ofs;
  uint32_t l4_hdr_ofs = key.l4_ofs - key.l3_ofs;
  uint32_t sum;
  if (key.dl_type == 0x0800) {
    uint32_t ihl = l4_hdr_ofs;
    store_be16(l3 + 2, uint16_t(ihl + l4_bytes));
    store_be16(l3 + 4, uint16_t(load_be16(l3 + 4) + ip_id_add));
    store_be16(l3 + 10, 0);
    store_be16(l3 + 10, uint16_t(~csum_fold(csum_partial(l3, ihl, 0))));
    sum = csum_partial(l3 + 12, 8, 0);  // source and destination
  } else {
    // Payload length covers extension headers too.
    store_be16(l3 + 4, uint16_t(l4_hdr_ofs - 40 + l4_bytes));
    sum = csum_partial(l3 + 8, 32, 0);
  }
  return sum + key.nw_proto + l4_bytes;
}

}  // namespace

uint32_t gso_segment(const Packet& p, uint8_t* scratch, size_t scratch_len, Packet* out, uint32_t max_out) {
  uint8_t type = p.vnet.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
  bool tcp = type == VIRTIO_NET_HDR_GSO_TCPV4 || type == VIRTIO_NET_HDR_GSO_TCPV6;
  bool udp = type == VIRTIO_NET_HDR_GSO_UDP_L4;
  if ((!tcp && !udp) || p.vnet.gso_size == 0) return 0;
  FlowKey key;
  parse_flow_key(p.data, p.len, &key);
  if (key.l4_ofs == kOfsAbsent || key.nw_frag) return 0;
  if (tcp && key.nw_proto != 6) return 0;
  if (udp && key.nw_proto != 17) return 0;
  uint32_t l4_hdr = tcp ? (p.data[key.l4_ofs + 12] >> 4) * 4u : 8u;
  uint32_t hdr_len = key.l4_ofs + l4_hdr;
  if (hdr_len > p.len) return 0;
  uint32_t payload = p.len - hdr_len, mss = p.vnet.gso_size;
  uint32_t count = payload == 0 ? 1 : (payload + mss - 1) / mss;
  if (count > max_out || size_t(count) * (hdr_len + mss) > scratch_len) return 0;

  uint32_t seq = tcp ? load_be32(p.data + key.l4_ofs + 4) : 0;
  uint8_t flags = tcp ? p.data[key.l4_ofs + 13] : 0;
  uint8_t* w = scratch;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t off = i * mss, len = payload - off < mss ? payload - off : mss;
    std::memcpy(w, p.data, hdr_len);
    std::memcpy(w + hdr_len, p.data + hdr_len + off, len);
    uint8_t* l4 = w + key.l4_ofs;
    uint32_t sum = fix_ip(w, key, l4_hdr + len, uint16_t(i));
    if (tcp) {
      store_be32(l4 + 4, seq + off);
      uint8_t f = flags;
      if (i + 1 < count) f &= ~(0x01 | 0x08);  // FIN, PSH only on the last
      if (i > 0) f &= ~0x80;                   // CWR only on the first
      l4[13] = f;
      store_be16(l4 + 16, 0);
      store_be16(l4 + 16, uint16_t(~csum_fold(csum_partial(l4, l4_hdr + len, sum))));
    } else {
      store_be16(l4 + 4, uint16_t(8 + len));
      store_be16(l4 + 6, 0);
      uint16_t c = uint16_t(~csum_fold(csum_partial(l4, 8 + len, sum)));
      store_be16(l4 + 6, c == 0 ? 0xffff : c);
    }
    out[i].data = w;
    out[i].len = hdr_len + len;
    out[i].in_slot = p.in_slot;
    out[i].ts_ns = p.ts_ns;
    std::memset(&out[i].vnet, 0, sizeof(VnetHdr));
    w += hdr_len + len;
  }
  return count;
}

}  // namespace nodeswitch
