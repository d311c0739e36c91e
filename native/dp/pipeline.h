// The OpenFlow pipeline, compiled per microflow.
//
// For a packet's key, translate() walks the tables as OpenFlow 1.3 says — lookup,
// apply-actions, clear/write the action set, write metadata, goto a later table,
// resubmit — on a working copy of the key, so that rewrites and metadata are seen
// by later lookups. What comes out is a program: the primitive ops to run on the
// packet (rewrites, outputs, NORMAL, controller) and the rules whose counters it
// credits. The program depends on the key alone, so it is cached by exact key in
// the microflow cache and every later packet of the microflow skips the tables.
// NORMAL stays an op, run per packet, because the MAC table it consults changes.
//
// Invalidation: any table change bumps FlowTables' generation; the next lookup sees
// it, empties the program store and invalidates the cache (O(1)). The store is also
// emptied when it grows past kMaxPrograms, so memory stays bounded.
//
// Cost: a cache hit is one hash of the 140-byte key and one compare (~23–40 ns,
// microflow_cache.h), and a packet of the same microflow as the one before skips
// even that (one compare with the last key); a miss costs one classifier lookup
// per table visited, then the translation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dp/flow_table.h"
#include "dp/of_action.h"
#include "parse/flow_key.h"
#include "table/microflow_cache.h"

namespace nodeswitch {

struct Program {
  uint32_t first_op = 0, n_ops = 0;
  uint32_t first_credit = 0, n_credit = 0;
  bool table_miss = false;  // the pipeline ended on a lookup that matched nothing
};

// What a trace reports for one table visited.
struct TraceStep {
  uint8_t table;
  int depth;         // resubmit nesting
  uint32_t flow_id;  // 0: miss
  FlowKey key;       // as the lookup saw it
};

class Pipeline {
 public:
  explicit Pipeline(FlowTables& tables) : tables_(tables) {}

  // The program for `key` (in_port set), from the cache or translated now.
  const Program& lookup(const FlowKey& key);
  // Translates an explicit action list (packet-out) for a packet with `key`.
  Program translate_actions(const FlowKey& key, const std::vector<OfAction>& actions);
  // Translates without caching and records each table visited.
  Program trace(const FlowKey& key, std::vector<TraceStep>* steps);

  const OfAction* ops(const Program& p) const { return ops_.data() + p.first_op; }
  FlowEntry* const* credits(const Program& p) const { return credits_.data() + p.first_credit; }
  MicroflowCacheStats cache_stats() const {
    MicroflowCacheStats s = cache_.stats();
    s.hits += last_hits_;
    return s;
  }

 private:
  static constexpr size_t kMaxPrograms = 65536;
  static constexpr int kMaxDepth = 64;  // resubmit nesting, as Open vSwitch limits it

  struct Xlate {
    FlowKey key;
    std::vector<OfAction> action_set;
    int depth = 0;
    bool dropped = false;  // dec_ttl hit zero: nothing more happens to the packet
    bool miss = false;
    // The flow whose actions run now is a table-miss flow (priority 0, empty match):
    // its packet-ins say "no match", as OpenFlow 1.3 and Open vSwitch report them.
    bool in_miss_flow = false;
    std::vector<TraceStep>* steps = nullptr;
  };

  Program translate(const FlowKey& key, std::vector<TraceStep>* steps);
  void table(Xlate& x, uint8_t table);
  void actions(Xlate& x, const OfAction* a, size_t n, uint8_t table, uint64_t cookie);
  void emit_output(const Xlate& x, OfAction op, uint8_t table, uint64_t cookie);
  static bool is_table_miss_flow(const FlowEntry& e);
  void action_set(Xlate& x);
  void sync_generation();

  FlowTables& tables_;
  uint64_t generation_ = 0;
  // The last key looked up and its program: packets of one flow come in runs, and a
  // compare is cheaper than hashing the key again.
  FlowKey last_key_{};
  uint32_t last_index_ = 0;
  bool last_valid_ = false;
  uint64_t last_hits_ = 0;
  MicroflowCache<uint32_t> cache_;
  std::vector<Program> programs_;
  std::vector<OfAction> ops_;
  std::vector<FlowEntry*> credits_;
};

}  // namespace nodeswitch
