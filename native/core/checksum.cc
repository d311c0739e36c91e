#include "core/checksum.h"

namespace nodeswitch {

uint32_t csum_partial(const uint8_t* data, uint32_t len, uint32_t sum) {
  uint64_t acc = sum;
  uint32_t i = 0;
  for (; i + 1 < len; i += 2) acc += (uint32_t(data[i]) << 8) | data[i + 1];
  if (i < len) acc += uint32_t(data[i]) << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return uint32_t(acc);
}

uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

bool finish_checksum(Packet* p) {
  if (!(p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) return true;
  uint32_t start = p->vnet.csum_start, field = start + p->vnet.csum_offset;
  if (start >= p->len || field + 2 > p->len) return false;
  // The device contract: the field already holds the pseudo-header sum; summing from
  // csum_start to the end and inverting gives the final checksum.
  uint16_t sum = ~csum_fold(csum_partial(p->data + start, p->len - start, 0));
  if (sum == 0) sum = 0xffff;  // as the kernel does: 0 means "no checksum" to UDP
  p->data[field] = uint8_t(sum >> 8);
  p->data[field + 1] = uint8_t(sum);
  p->vnet.flags &= ~VIRTIO_NET_HDR_F_NEEDS_CSUM;
  return true;
}

}  // namespace nodeswitch
