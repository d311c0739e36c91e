// Flow batches: many flow-mods in one buffer, the form flows take from TypeScript
// (src/ofproto/flow-batch.ts encodes) to the datapath (decode_flow_batch), so that a
// file of 100k flows costs one N-API call and one copy, not an object per field.
//
// A batch is records back to back, each:
//   header  kFlowBatchHeaderSize bytes, fields at the offsets NS_FLOW_BATCH_HEADER
//           says (little-endian);
//   match   nWords pairs of 8-byte words {key, mask}, for the FlowKey words whose
//           bit is set in wordMap, lowest first (word i is FlowKey bytes 8i..8i+7;
//           the last word has only the struct's remaining bytes) — a 5-tuple rule
//           carries 4 pairs instead of two 140-byte keys;
//   actions nApply then nWrite records of kFlowBatchActionSize bytes
//           (NS_FLOW_BATCH_ACTION).
// The layouts are X-macro lists exported to TypeScript (addon.constants.flowBatch),
// so the encoder reads the offsets from here; test/native/constants.test.ts checks
// that the two agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dp/flow_table.h"

namespace nodeswitch {

// X(jsName, offset, size)
#define NS_FLOW_BATCH_HEADER(X)                                            \
  X(id, 0, 4)                                                              \
  X(priority, 4, 2)                                                        \
  X(table, 6, 1)                                                           \
  X(flags, 7, 1)     /* kFlowBatch* bits below */                          \
  X(gotoTable, 8, 1) /* with kFlowBatchGotoTable */                        \
  X(nApply, 9, 1)                                                          \
  X(nWrite, 10, 1)                                                         \
  X(nWords, 11, 1) /* match word pairs that follow: popcount of wordMap */ \
  X(wordMap, 12, 4)                                                        \
  X(cookie, 16, 8)                                                         \
  X(metadataValue, 24, 8) /* with kFlowBatchWriteMetadata */               \
  X(metadataMask, 32, 8)

#define NS_FLOW_BATCH_ACTION(X) \
  X(code, 0, 1)                 \
  X(port, 4, 4)                 \
  X(u32, 8, 4)                  \
  X(u64, 16, 8)                 \
  X(u64b, 24, 8)                \
  X(bytes, 32, 16)

// X(enumerator, jsName, bit)
#define NS_FLOW_BATCH_FLAGS(X)                 \
  X(kFlowBatchClearActions, clearActions, 1)   \
  X(kFlowBatchWriteMetadata, writeMetadata, 2) \
  X(kFlowBatchGotoTable, gotoTable, 4)

inline constexpr size_t kFlowBatchHeaderSize = 40;
inline constexpr size_t kFlowBatchActionSize = 48;
inline constexpr size_t kFlowBatchWordSize = 8;
inline constexpr size_t kFlowBatchWords = (sizeof(FlowKey) + kFlowBatchWordSize - 1) / kFlowBatchWordSize;
static_assert(kFlowBatchWords <= 32, "wordMap is 32 bits");

#define NS_FLOW_BATCH_FLAG(name, js, bit) inline constexpr uint8_t name = bit;
NS_FLOW_BATCH_FLAGS(NS_FLOW_BATCH_FLAG)
#undef NS_FLOW_BATCH_FLAG

// The flows of a batch, checked whole (sizes, tables, op codes, goto_table forward)
// before any is returned. Throws std::invalid_argument naming the record's index
// and what is wrong: a bad batch is a bug of the encoder, never half-taken.
std::vector<std::unique_ptr<FlowEntry>> decode_flow_batch(const uint8_t* data, size_t size);

}  // namespace nodeswitch
