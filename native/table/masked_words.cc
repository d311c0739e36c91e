#include "table/masked_words.h"

namespace nodeswitch {

MaskedWords::MaskedWords(const FlowKey& m, const uint16_t* bounds, int n_bounds) {
  mask = m;
  const auto* mb = reinterpret_cast<const uint8_t*>(&m);
  for (int s = 0; s <= n_bounds; s++) {
    const unsigned lo = s == 0 ? 0 : bounds[s - 1];
    const unsigned hi = s == n_bounds ? unsigned(sizeof(FlowKey)) : bounds[s];
    const int before = n_words;
    for (int i = 0; i < kFlowKeyWords; i++) {
      const bool tail = i == kFlowKeyFullWords;
      const unsigned offset = tail ? unsigned(sizeof(FlowKey)) - 8 : 8u * unsigned(i);
      const unsigned first = 8u * unsigned(i);  // the tail's own bytes start after word 16's
      uint8_t bytes[8];
      for (unsigned b = 0; b < 8; b++) {
        const unsigned pos = offset + b;
        bytes[b] = pos >= first && pos >= lo && pos < hi ? mb[pos] : 0;
      }
      uint64_t w;
      std::memcpy(&w, bytes, 8);
      if (!w) continue;
      offsets[n_words] = uint8_t(offset);
      masks[n_words] = w;
      n_words++;
    }
    if (n_words > before) stage_end[n_stages++] = uint8_t(n_words);
  }
}

}  // namespace nodeswitch
