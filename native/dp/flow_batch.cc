#include "dp/flow_batch.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace nodeswitch {

namespace {

// Every field fits inside its record's fixed part (a list edited wrong fails here).
#define NS_CHECK_HEADER(js, offset, size) static_assert((offset) + (size) <= kFlowBatchHeaderSize, #js);
NS_FLOW_BATCH_HEADER(NS_CHECK_HEADER)
#undef NS_CHECK_HEADER
#define NS_CHECK_ACTION(js, offset, size) static_assert((offset) + (size) <= kFlowBatchActionSize, #js);
NS_FLOW_BATCH_ACTION(NS_CHECK_ACTION)
#undef NS_CHECK_ACTION

// Offsets by name, from the lists.
struct HeaderAt {
#define NS_HEADER_AT(js, offset, size) static constexpr size_t js = offset;
  NS_FLOW_BATCH_HEADER(NS_HEADER_AT)
#undef NS_HEADER_AT
};
struct ActionAt {
#define NS_ACTION_AT(js, offset, size) static constexpr size_t js = offset;
  NS_FLOW_BATCH_ACTION(NS_ACTION_AT)
#undef NS_ACTION_AT
};

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // little-endian hosts only, as the FlowKey layout is
  return v;
}

[[noreturn]] void bad(size_t index, const std::string& what) {
  throw std::invalid_argument("flow batch record " + std::to_string(index) + ": " + what);
}

void decode_actions(const uint8_t* p, unsigned n, std::vector<OfAction>& out, size_t index) {
  out.resize(n);
  for (unsigned i = 0; i < n; i++, p += kFlowBatchActionSize) {
    uint8_t code = p[ActionAt::code];
    if (code == 0 || code >= kOpCodeCount) bad(index, "unknown action code " + std::to_string(code));
    OfAction& a = out[i];
    a.code = OpCode(code);
    a.port = load<uint32_t>(p + ActionAt::port);
    a.u32 = load<uint32_t>(p + ActionAt::u32);
    a.u64 = load<uint64_t>(p + ActionAt::u64);
    a.u64b = load<uint64_t>(p + ActionAt::u64b);
    std::memcpy(a.bytes, p + ActionAt::bytes, sizeof a.bytes);
  }
}

}  // namespace

std::vector<std::unique_ptr<FlowEntry>> decode_flow_batch(const uint8_t* data, size_t size) {
  std::vector<std::unique_ptr<FlowEntry>> flows;
  size_t at = 0;
  for (size_t index = 0; at < size; index++) {
    if (size - at < kFlowBatchHeaderSize) bad(index, "truncated header");
    const uint8_t* h = data + at;
    uint32_t word_map = load<uint32_t>(h + HeaderAt::wordMap);
    unsigned n_words = h[HeaderAt::nWords], n_apply = h[HeaderAt::nApply], n_write = h[HeaderAt::nWrite];
    if (word_map >> kFlowBatchWords) bad(index, "wordMap names a word past the FlowKey");
    if (unsigned(__builtin_popcount(word_map)) != n_words) bad(index, "nWords is not the number of words in wordMap");
    size_t length = kFlowBatchHeaderSize + n_words * 2 * kFlowBatchWordSize + (n_apply + n_write) * kFlowBatchActionSize;
    if (size - at < length) bad(index, "truncated record");

    auto e = std::make_unique<FlowEntry>();
    e->id = load<uint32_t>(h + HeaderAt::id);
    e->rule.priority = load<uint16_t>(h + HeaderAt::priority);
    uint8_t table = h[HeaderAt::table];
    if (table >= FlowTables::kTables) bad(index, "table out of range");
    e->table = table;
    e->cookie = load<uint64_t>(h + HeaderAt::cookie);
    uint8_t flags = h[HeaderAt::flags];
    e->clear_actions = flags & kFlowBatchClearActions;
    if (flags & kFlowBatchWriteMetadata) {
      e->write_metadata = true;
      e->metadata_value = load<uint64_t>(h + HeaderAt::metadataValue);
      e->metadata_mask = load<uint64_t>(h + HeaderAt::metadataMask);
    }
    if (flags & kFlowBatchGotoTable) {
      uint8_t g = h[HeaderAt::gotoTable];
      if (g <= table || g >= FlowTables::kTables) bad(index, "goto_table must go to a later table");
      e->goto_table = g;
    }

    const uint8_t* w = h + kFlowBatchHeaderSize;
    auto* key = reinterpret_cast<uint8_t*>(&e->rule.key);
    auto* mask = reinterpret_cast<uint8_t*>(&e->rule.mask);
    for (unsigned i = 0; i < kFlowBatchWords; i++) {
      if (!(word_map & (1u << i))) continue;
      size_t off = i * kFlowBatchWordSize;
      size_t n = sizeof(FlowKey) - off < kFlowBatchWordSize ? sizeof(FlowKey) - off : kFlowBatchWordSize;
      std::memcpy(key + off, w, n);
      std::memcpy(mask + off, w + kFlowBatchWordSize, n);
      w += 2 * kFlowBatchWordSize;
    }
    decode_actions(w, n_apply, e->apply, index);
    decode_actions(w + n_apply * kFlowBatchActionSize, n_write, e->write, index);
    flows.push_back(std::move(e));
    at += length;
  }
  return flows;
}

}  // namespace nodeswitch
