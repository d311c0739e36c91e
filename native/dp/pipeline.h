// The OpenFlow pipeline, and the two caches in front of it.
//
// Translation. For a packet's key, translate() walks the tables as OpenFlow 1.3 says
// — lookup, apply-actions, clear/write the action set, write metadata, goto a later
// table, resubmit — on a working copy of the key, so that rewrites and metadata are
// seen by later lookups. What comes out is a program: the primitive ops to run on
// the packet (rewrites, outputs, NORMAL, controller) and the rules it credits. NORMAL
// stays an op run per packet, because the MAC table it consults changes; so the
// program depends on the key alone, never on the MAC table or the port states.
//
// What a translation consulted. Alongside, translation builds a mask of the key
// bits the program depends on (the wildcards, `wc`): every classifier subtable it
// visits adds the bits its staged lookup read (classifier.h); NORMAL adds in_port,
// the VLAN and both MACs; a rewrite adds what its preconditions read (dl_type and
// l3_ofs for an IP rewrite, the L4 offset, protocol and fragment bits for a port
// rewrite, the TTL for dec_ttl); pushing or popping a VLAN tag moves fields, so it
// adds both tags whole. in_port is always exact. Any key that agrees with the
// translated one on the wildcarded bits gets the same program — that is what makes
// the program cacheable under the mask.
//
// Lookup, top down: the last key looked up (packets of a flow come in runs) → the
// exact-match cache (whole key → megaflow) → the megaflow cache (megaflow_table.h:
// masked key → megaflow) → translate, and install the result as a megaflow under
// its mask. A bridge running NORMAL over a million 5-tuples between a few hosts
// keeps one megaflow per (in_port, VLAN, MAC pair): new 5-tuples miss the
// exact-match cache and hit a megaflow, never the tables.
//
// Revalidation. After table changes (FlowTables' change log) revalidate() drops the
// megaflows the changes can affect and keeps the rest: a removed or modified rule
// drops the megaflows it is credited by; an added rule drops those that visited its
// table and either missed there or hit a rule of no higher priority, and whose
// packets it can match (its match overlaps the key the table saw, as far as
// rewrites before that table leave it known). A change log that overflowed (a whole
// file of flows) drops everything. Exact-match entries point to megaflows by
// (pointer, serial): a dropped megaflow's slot gets a new serial, so stale entries
// read as misses without a sweep.
//
// Counters. A packet counts on its megaflow only (one cache line); the megaflow's
// counts reach the rules it credits when someone asks (push_stats: flow stats
// reads) and when it is dropped. Megaflows idle for max_idle_ms are dropped once a
// second (expire), and there are never more than `limit`; past it, packets are
// translated each time, credited directly, and counted as megaflow misses.
//
// Cost: a run of one flow's packets costs a 140-byte compare per packet; an
// exact-match hit one hash of the key and one compare; a megaflow hit one masked
// hash and compare per megaflow subtable visited (one, for NORMAL).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/counters.h"
#include "dp/bond.h"
#include "dp/flow_table.h"
#include "dp/group_table.h"
#include "dp/of_action.h"
#include "dp/vlan.h"
#include "parse/flow_key.h"
#include "table/megaflow_table.h"
#include "table/microflow_cache.h"

namespace nodeswitch {

struct Megaflow;
class MeterTable;

// What the pipeline decided for a packet: views into a megaflow or into the
// pipeline's scratch translation (valid until the next lookup or translation).
struct Program {
  const OfAction* ops = nullptr;
  uint32_t n_ops = 0;
  FlowEntry* const* credits = nullptr;
  uint32_t n_credit = 0;
  bool table_miss = false;                       // the pipeline ended on a lookup that matched nothing
  Megaflow* megaflow = nullptr;                  // where the packet counts; null: credit the rules
  GroupCounter* const* group_credits = nullptr;  // the groups and buckets it went through
  uint32_t n_group_credit = 0;
};

// What a trace reports for one table visited.
struct TraceStep {
  uint8_t table;
  int depth;         // resubmit nesting
  uint32_t flow_id;  // 0: miss
  FlowKey key;       // as the lookup saw it
};

// One table a translation visited, for revalidation.
struct TableVisit {
  uint8_t table;
  int32_t priority;  // of the rule hit; -1: a miss
  // -1: the table saw the packet's own key; else the index in Megaflow::seen of
  // the key it saw after rewrites (with the mask of the bits they set).
  int32_t seen = -1;
};

struct Megaflow : MegaflowNode {
  FlowKey mask{};
  uint32_t serial = 0;  // changes whenever the slot is freed
  bool live = false;
  std::vector<OfAction> ops;
  std::vector<FlowEntry*> credits;
  std::vector<GroupCounter*> group_credits;
  bool liveness = false;  // an ff group chose by port liveness: dropped when a watched port changes
  bool table_miss = false;
  std::vector<TableVisit> visits;
  std::vector<FlowKey> seen;  // pairs (key as a table saw it, bits rewritten before)
  uint64_t n_packets = 0, n_bytes = 0;
  uint64_t pushed_packets = 0, pushed_bytes = 0;  // already added to the credited rules
  uint64_t used_ms = 0, created_ms = 0;
};

struct MegaflowCacheConfig {
  bool exact_match = true;  // the exact-match cache in front of the megaflows
  bool megaflows = true;
  uint32_t limit = 65536;
  uint32_t max_idle_ms = 10'000;  // Open vSwitch's max-idle default
  // Distinct megaflow masks past which new megaflows share a more specific mask
  // (MegaflowTable::coalesce): a megaflow lookup costs one probe per mask.
  uint32_t max_masks = 32;
  // A megaflow hit enters the exact-match cache one time in this many (a new
  // megaflow always does): a million one-packet flows would only churn it.
  // Open vSwitch's emc-insert-inv-prob default.
  uint32_t exact_insert_inv_prob = 100;
  // Prefix tracking's consulted address bits are rounded up to a multiple of this
  // (1: as Open vSwitch, exact bit counts): fewer masks, cheaper megaflow lookups.
  uint32_t prefix_granularity = 8;
};

class Pipeline {
 public:
  explicit Pipeline(FlowTables& tables);

  // The program for `key` (in_port set), from a cache or translated now.
  Program lookup(const FlowKey& key, uint64_t now_ms);
  // Translates an explicit action list (packet-out) for a packet with `key`.
  Program translate_actions(const FlowKey& key, const std::vector<OfAction>& actions);
  // Translates without caching and records each table visited; *wc gets the mask
  // of the megaflow the key would create.
  Program trace(const FlowKey& key, std::vector<TraceStep>* steps, FlowKey* wc);
  // The installed megaflow that matches key, or null (no counters touched).
  const Megaflow* find_megaflow(const FlowKey& key);

  // Between bursts: drop the megaflows the table changes since the last call can
  // affect (lookup also calls it, when the tables moved on).
  void revalidate();
  // Adds every megaflow's new packets and bytes to the rules it credits.
  void push_stats();
  // Once a second: drop idle megaflows, re-order the megaflow subtables.
  void expire(uint64_t now_ms);
  void flush_megaflows();
  // Where NORMAL finds the VLAN configuration of a port by its ofport (null: a plain
  // port, or none). Set once by the Datapath; read at translation only.
  void set_vlan_of(std::function<const PortVlan*(uint32_t ofport)> f) { vlan_of_ = std::move(f); }
  void configure(const MegaflowCacheConfig& c);
  // A bond at `ofport` hashes its output on the fields `mode` names (dp/bond.h):
  // translation that can output there marks them consulted. Flushes the megaflows.
  void set_bond_hash(uint32_t ofport, BondMode mode);
  void clear_bond_hash(uint32_t ofport);
  // The meters a meter instruction names (meter_table.h); the datapath owns them.
  void set_meters(const MeterTable* meters) { meters_ = meters; }
  // The groups group:N names (group_table.h); the datapath owns them.
  void set_groups(GroupTable* groups) { groups_ = groups; }
  // Between bursts: drops the megaflows that chose by liveness when a port an ff
  // bucket watches changed state. Cheap: a look at each watched port.
  void check_liveness();
  const MegaflowCacheConfig& config() const { return config_; }

  template <typename F>
  void for_each_megaflow(F&& f) const {
    for (const auto& mf : pool_) {
      if (mf.live) f(mf);
    }
  }
  CacheCounters stats() const;

 private:
  static constexpr int kMaxDepth = 64;  // resubmit nesting, as Open vSwitch limits it
  static constexpr size_t kExactBypassMasks = 2;
  static constexpr uint64_t kExactWindow = 8192;

  struct Xlate {
    FlowKey key;
    FlowKey wc;          // bits consulted, in the packet's own key
    FlowKey rewritten;   // bits set to constants by rewrites so far
    bool moved = false;  // a VLAN push/pop moved fields: the key a table sees is not known
    std::vector<OfAction> ops;
    std::vector<FlowEntry*> credits;
    std::vector<GroupCounter*> group_credits;
    bool liveness = false;
    std::vector<TableVisit> visits;
    std::vector<FlowKey> seen;
    std::vector<OfAction> action_set;
    int depth = 0;
    bool dropped = false;  // dec_ttl hit zero: nothing more happens to the packet
    bool miss = false;
    // The flow whose actions run now is a table-miss flow (priority 0, empty match):
    // its packet-ins say "no match", as OpenFlow 1.3 and Open vSwitch report them.
    bool in_miss_flow = false;
    std::vector<TraceStep>* steps = nullptr;
    void reset(const FlowKey& k);
  };
  // The exact-match cache's result: a megaflow, valid while its serial is this one.
  struct ExactResult {
    Megaflow* megaflow;
    uint32_t serial;
  };

  Program translate(const FlowKey& key, std::vector<TraceStep>* steps);
  Program scratch_program() const;
  void table(Xlate& x, uint8_t table);
  void actions(Xlate& x, const OfAction* a, size_t n, uint8_t table, uint64_t cookie);
  void emit_output(Xlate& x, OfAction op, uint8_t table, uint64_t cookie);
  void rewrite(Xlate& x, const OfAction& a);
  void bond_consulted(Xlate& x, const OfAction& op);
  static bool is_table_miss_flow(const FlowEntry& e);
  void action_set(Xlate& x);
  // group:N (pipeline_groups.cc): the chosen buckets' ops, each bucket run on the
  // packet as it was before the group, as Open vSwitch runs them.
  void group(Xlate& x, uint32_t id, uint8_t table, uint64_t cookie);
  void bucket(Xlate& x, GroupBucket& b, uint8_t table, uint64_t cookie);
  void restore_after_bucket(Xlate& x, const FlowKey& before, size_t first_op);

  Megaflow* install(const FlowKey& key, uint64_t now_ms);
  void drop(Megaflow* mf);
  static Program program_of(Megaflow* mf);
  bool affected(const Megaflow& mf, const std::vector<const FlowEntry*>& adds) const;

  FlowTables& tables_;
  std::function<const PortVlan*(uint32_t)> vlan_of_;
  const MeterTable* meters_ = nullptr;
  GroupTable* groups_ = nullptr;
  uint64_t generation_ = 0;
  MegaflowCacheConfig config_;
  // The last key looked up and its megaflow: packets of one flow come in runs, and
  // a compare is cheaper than hashing the key again.
  FlowKey last_key_{};
  Megaflow* last_ = nullptr;
  uint32_t last_serial_ = 0;
  MicroflowCache<ExactResult> cache_;
  MegaflowTable megaflows_;
  uint32_t insert_rng_ = 0x9e3779b9;  // xorshift32: which megaflow hits enter the exact-match cache
  // The exact-match cache's hits in its current window of lookups, and whether it is
  // only sampled for now (it was not paying for its lookups).
  uint64_t exact_window_lookups_ = 0, exact_window_hits_ = 0;
  bool exact_sampling_ = false;
  uint32_t exact_sample_ = 0;
  // Megaflows live in a pool whose slots are never freed (the exact-match cache may
  // point at them), only recycled with a new serial.
  std::deque<Megaflow> pool_;
  std::vector<Megaflow*> free_;
  Xlate x_;  // the scratch translation: its vectors keep their capacity
  CacheCounters stats_;
  std::vector<std::pair<uint32_t, BondMode>> bond_hash_;  // bonds that hash: ofport, mode
};

}  // namespace nodeswitch
