// Packet-ins as JavaScript receives them: a batch is one byte buffer holding every
// packet's (possibly cut) data back to back, and one array of fixed-size records of
// u32 fields, one record per packet — so a burst of packet-ins crosses into JS as two
// buffers, not an object and a Buffer per packet. The record layout is the X-macro
// below, exported to TypeScript as constants.packetInRecord (src/packet-in-batch.ts
// reads it; test/native/constants.test.ts holds the two sides equal).
#pragma once

#include <cstdint>
#include <vector>

namespace nodeswitch {

// One record's u32 fields, in order: X(field, jsName).
#define NS_PACKET_IN_FIELDS(X)                                                    \
  X(kInPort, inPort)     /* an ofport (FlowKey::in_port), or OFPP_CONTROLLER */   \
  X(kReason, reason)     /* kReasonNoMatch / kReasonAction / kReasonInvalidTtl */ \
  X(kTable, tableId)     /* the table whose flow sent it up */                    \
  X(kTotalLen, totalLen) /* the frame's length; data may be cut to max_len */     \
  X(kOffset, offset)     /* where its data starts in the batch's bytes */         \
  X(kLength, length)     /* bytes of data */                                      \
  X(kCookieLo, cookieLo) /* the flow's cookie, low 32 bits */                     \
  X(kCookieHi, cookieHi) /* and high 32 bits */

#define NS_PACKET_IN_FIELD_ENUM(name, js) name,
enum PacketInField : uint32_t { NS_PACKET_IN_FIELDS(NS_PACKET_IN_FIELD_ENUM) kPacketInFields };
#undef NS_PACKET_IN_FIELD_ENUM

struct UpcallBatch {
  std::vector<uint32_t> records;  // kPacketInFields u32s per packet
  std::vector<uint8_t> bytes;     // every packet's data, back to back

  uint32_t size() const { return uint32_t(records.size() / kPacketInFields); }
  bool empty() const { return records.empty(); }
  // Keeps the capacity: the datapath thread reuses its batches without allocating.
  void clear() {
    records.clear();
    bytes.clear();
  }
  // Appends room for one packet of `len` bytes; returns where to write them.
  uint8_t* append(uint32_t in_port, uint8_t reason, uint8_t table, uint64_t cookie, uint32_t total_len, uint32_t len) {
    uint32_t offset = uint32_t(bytes.size());
    size_t at = records.size();
    records.resize(at + kPacketInFields);
    uint32_t* r = records.data() + at;
    r[kInPort] = in_port;
    r[kReason] = reason;
    r[kTable] = table;
    r[kTotalLen] = total_len;
    r[kOffset] = offset;
    r[kLength] = len;
    r[kCookieLo] = uint32_t(cookie);
    r[kCookieHi] = uint32_t(cookie >> 32);
    bytes.resize(offset + len);
    return bytes.data() + offset;
  }
  // Appends packets [first, first + n) of `from`.
  void append_from(const UpcallBatch& from, uint32_t first, uint32_t n) {
    if (n == 0) return;
    const uint32_t* src = from.records.data() + size_t(first) * kPacketInFields;
    uint32_t begin = src[kOffset];
    const uint32_t* last = src + size_t(n - 1) * kPacketInFields;
    uint32_t end = last[kOffset] + last[kLength];
    uint32_t shift = uint32_t(bytes.size()) - begin;  // unsigned wrap-around is intended
    size_t at = records.size();
    records.insert(records.end(), src, src + size_t(n) * kPacketInFields);
    for (size_t i = at + kOffset; i < records.size(); i += kPacketInFields) records[i] += shift;
    bytes.insert(bytes.end(), from.bytes.begin() + begin, from.bytes.begin() + end);
  }
};

}  // namespace nodeswitch
