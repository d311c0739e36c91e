// OpenFlow 1.3 meters: the bridge's meter table (`add-meter BR "meter=1,kbps,burst,
// bands=type=drop,rate=10000,burst_size=1000"`), and the per-packet check a flow's
// `meter:N` instruction makes.
//
// Design. TypeScript owns the OpenFlow semantics (syntax, add vs modify, which flows
// use a meter, deleting them with it) and hands the datapath a checked meter: kbps
// or pktps, 1 to kMaxBands bands of drop or dscp_remark, each with a rate and a
// burst (kbit or packets, already defaulted). Each band is a token bucket
// (token_bucket.h) at its rate; a packet takes its cost from every band it fits in,
// and the band it applies to is the one of highest rate among those it exceeded —
// OpenFlow's rule, as Open vSwitch's userspace datapath runs it. A drop band drops
// the packet (nothing after the meter runs: OpenFlow's meter instruction comes
// before every other); a dscp_remark band raises the drop precedence of an AF DSCP
// by prec_level (AFx1 → AFx2 → AFx3, capped at AFx3; other DSCPs are left as they
// are — there is no valid higher precedence for them), and the packet goes on.
//
// The pipeline and the run time. Translation turns the meter instruction into a
// kMeter op whose `port` is the meter's slot here (slot_of), so that the run time
// indexes an array and never hashes. The op stays in the megaflow; the bucket is
// checked per packet when the program runs (BurstLoop::run_program), on the burst's
// clock. Slots change only when meters are added or deleted, and the datapath then
// flushes the megaflows; a modify keeps the slot (and the buckets' levels).
//
// Counters, per meter (packets and bytes in) and per band (packets and bytes the
// band applied to), as OpenFlow's meter statistics. Datapath thread only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dp/token_bucket.h"

namespace nodeswitch {

// OFPMBT_* band types.
enum class MeterBandType : uint8_t { kDrop = 1, kDscpRemark = 2 };

struct MeterBandConfig {
  MeterBandType type = MeterBandType::kDrop;
  uint32_t rate = 0;   // kbit/s or packets/s, > 0
  uint32_t burst = 0;  // kbit or packets, > 0
  uint8_t prec_level = 0;
};

struct MeterConfig {
  uint32_t id = 0;
  bool pktps = false;  // else kbps
  std::vector<MeterBandConfig> bands;
};

struct MeterBandStats {
  uint64_t packets = 0, bytes = 0;
};

struct MeterStats {
  uint32_t id = 0;
  uint64_t packets = 0, bytes = 0;
  std::vector<MeterBandStats> bands;
};

// What a meter says about one packet.
struct MeterVerdict {
  enum Kind : uint8_t { kPass, kDrop, kRemark } kind = kPass;
  uint8_t prec_level = 0;  // kRemark
};

constexpr uint32_t kNoMeter = 0xffffffff;

class MeterTable {
 public:
  // Open vSwitch's userspace datapath takes up to 8 bands per meter, too.
  static constexpr uint32_t kMaxBands = 8;

  // Adds the meter or replaces its configuration (same slot, bucket levels kept
  // where a band stays). Throws on a config TypeScript should not have sent.
  // Returns whether the slot set changed (a new meter): the megaflows must go.
  bool set(const MeterConfig& config, uint64_t now_ns);
  // Returns whether anything was deleted.
  bool remove(uint32_t id);
  uint32_t slot_of(uint32_t id) const;
  size_t size() const { return by_id_.size(); }
  std::vector<MeterStats> stats() const;

  // Run time: meter one packet of `bytes` in the meter at `slot`.
  MeterVerdict apply(uint32_t slot, uint32_t bytes, uint64_t now_ns);

  // The DSCP a dscp_remark band of `prec_level` makes of `dscp`.
  static uint8_t remarked_dscp(uint8_t dscp, uint8_t prec_level);

 private:
  struct Band {
    MeterBandType type;
    uint8_t prec_level;
    TokenBucket bucket;
    MeterBandStats stats;
  };
  struct Meter {
    uint32_t id = 0;
    bool live = false;
    bool pktps = false;
    uint32_t n_bands = 0;
    Band bands[kMaxBands];
    uint64_t packets = 0, bytes = 0;
  };

  std::vector<Meter> meters_;
  std::vector<uint32_t> free_;
  std::unordered_map<uint32_t, uint32_t> by_id_;
};

}  // namespace nodeswitch
