// Software checksum completion, for frames whose checksum a device was meant to
// finish (virtio-net NEEDS_CSUM) when the output cannot take the offload.
#pragma once

#include <cstdint>
#include "core/packet.h"

namespace nodeswitch {

// One's-complement sum of `len` bytes, folded to 16 bits, not inverted.
uint32_t csum_partial(const uint8_t* data, uint32_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);

// Finishes a NEEDS_CSUM checksum in place and clears the flag. Returns false (and
// changes nothing) when the header's offsets point outside the frame.
bool finish_checksum(Packet* p);

}  // namespace nodeswitch
