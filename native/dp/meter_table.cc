#include "dp/meter_table.h"

#include <stdexcept>

namespace nodeswitch {

bool MeterTable::set(const MeterConfig& c, uint64_t now_ns) {
  if (c.bands.empty() || c.bands.size() > kMaxBands) {
    throw std::runtime_error("a meter has 1 to " + std::to_string(kMaxBands) + " bands");
  }
  for (const MeterBandConfig& b : c.bands) {
    if (b.rate == 0 || b.burst == 0) throw std::runtime_error("a meter band needs a rate and a burst above 0");
  }
  auto it = by_id_.find(c.id);
  bool added = it == by_id_.end();
  uint32_t slot;
  if (!added) {
    slot = it->second;
  } else if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = uint32_t(meters_.size());
    meters_.emplace_back();
  }
  Meter& m = meters_[slot];
  // A modify keeps a band's bucket level when its unit stays; a new unit starts full.
  bool keep = !added && m.pktps == c.pktps;
  if (added) m = Meter{};
  m.id = c.id;
  m.live = true;
  m.pktps = c.pktps;
  for (uint32_t i = 0; i < c.bands.size(); i++) {
    const MeterBandConfig& bc = c.bands[i];
    Band& b = m.bands[i];
    if (keep && i < m.n_bands) {
      b.bucket.reconfigure(bc.rate, bc.burst);
    } else {
      b.bucket = TokenBucket(bc.rate, bc.burst, now_ns);
      b.stats = {};
    }
    b.type = bc.type;
    b.prec_level = bc.prec_level;
  }
  m.n_bands = uint32_t(c.bands.size());
  if (added) by_id_[c.id] = slot;
  return added;
}

bool MeterTable::remove(uint32_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  meters_[it->second].live = false;
  free_.push_back(it->second);
  by_id_.erase(it);
  return true;
}

uint32_t MeterTable::slot_of(uint32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? kNoMeter : it->second;
}

std::vector<MeterStats> MeterTable::stats() const {
  std::vector<MeterStats> out;
  for (const Meter& m : meters_) {
    if (!m.live) continue;
    MeterStats s;
    s.id = m.id;
    s.packets = m.packets;
    s.bytes = m.bytes;
    for (uint32_t i = 0; i < m.n_bands; i++) s.bands.push_back(m.bands[i].stats);
    out.push_back(std::move(s));
  }
  return out;
}

MeterVerdict MeterTable::apply(uint32_t slot, uint32_t bytes, uint64_t now_ns) {
  // A meter deleted under a cached program cannot happen (its deletion flushes the
  // megaflows); a slot out of range is dropped rather than trusted.
  if (slot >= meters_.size() || !meters_[slot].live) return {MeterVerdict::kDrop, 0};
  Meter& m = meters_[slot];
  m.packets++;
  m.bytes += bytes;
  const uint64_t cost = m.pktps ? TokenBucket::kTokensPerPacket : TokenBucket::cost_of_bytes(bytes);
  Band* exceeded = nullptr;
  for (uint32_t i = 0; i < m.n_bands; i++) {
    Band& b = m.bands[i];
    b.bucket.refill(now_ns);
    if (b.bucket.take(cost)) continue;
    if (!exceeded || b.bucket.rate() > exceeded->bucket.rate()) exceeded = &b;
  }
  if (!exceeded) return {MeterVerdict::kPass, 0};
  exceeded->stats.packets++;
  exceeded->stats.bytes += bytes;
  if (exceeded->type == MeterBandType::kDrop) return {MeterVerdict::kDrop, 0};
  return {MeterVerdict::kRemark, exceeded->prec_level};
}

// AF DSCPs are class·8 + precedence·2 (class 1–4, precedence 1–3: RFC 2597); the
// precedence bits are DSCP bits 2..1.
uint8_t MeterTable::remarked_dscp(uint8_t dscp, uint8_t prec_level) {
  uint8_t cls = dscp >> 3, prec = (dscp >> 1) & 3;
  if (cls < 1 || cls > 4 || prec < 1 || prec > 3 || (dscp & 1)) return dscp;
  uint32_t next = uint32_t(prec) + prec_level;
  if (next > 3) next = 3;
  return uint8_t((cls << 3) | (next << 1));
}

}  // namespace nodeswitch
