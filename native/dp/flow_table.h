// The OpenFlow tables as the datapath runs them: up to 255 classifiers and the
// entries in them, by id.
//
// OpenFlow semantics (add/modify/delete, strict or not, overlap checks, timeouts)
// live in TypeScript (src/ofproto/flow-table.ts), which decides and then sends plain
// operations here: install entry N, remove entry N, replace entry N's actions. That
// keeps this side small and the rules a user reads in dump-flows exactly the ones
// the fast path runs.
//
// Changes are logged for the pipeline, which revalidates its cached translations
// against them (pipeline.h) before its next lookup: every change bumps the
// generation and appends to the log. A removed entry is kept, not freed, until the
// pipeline has taken the log, so cached translations that point at it stay
// readable until they are dropped. Past kMaxLoggedChanges in one go (a whole
// add-flows file) the log gives up and says so: revalidating entry by entry would
// cost more than starting again.
//
// Counters are written by the datapath thread per packet (no atomics: stats reads
// are commands run on the same thread).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dp/of_action.h"
#include "table/classifier.h"

namespace nodeswitch {

struct FlowEntry {
  Rule rule;  // the classifier's node: key, mask, priority; rule.owner = this
  uint32_t id = 0;
  uint8_t table = 0;
  uint64_t cookie = 0;
  std::vector<OfAction> apply;  // apply-actions
  std::vector<OfAction> write;  // write-actions: the action set, run at the pipeline's end
  bool clear_actions = false;
  bool write_metadata = false;
  uint64_t metadata_value = 0, metadata_mask = 0;
  int goto_table = -1;
  // Per-packet counters.
  uint64_t n_packets = 0, n_bytes = 0;
  uint64_t last_used_ms = 0;  // CLOCK_MONOTONIC ms of the last packet, 0 = never
};

// One change to the tables, as the pipeline's revalidation reads it.
struct FlowChange {
  enum Kind : uint8_t { kAdd, kRemove, kModify } kind;
  const FlowEntry* entry;  // alive until FlowTables::end_changes()
};

class FlowTables {
 public:
  static constexpr int kTables = 255;
  static constexpr size_t kMaxLoggedChanges = 4096;

  // Throws std::runtime_error on a duplicate id or a bad table.
  void install(std::unique_ptr<FlowEntry> entry);
  void remove(uint32_t id);
  void set_actions(uint32_t id, FlowEntry&& actions_from);
  void clear();

  FlowEntry* find(uint32_t id);
  // Non-const: the pipeline credits the entry's counters.
  // With wc, the key bits the answer depends on are ORed into *wc.
  FlowEntry* lookup(uint8_t table, const FlowKey& key, FlowKey* wc = nullptr) {
    Rule* r = tables_[table].lookup(key, wc);
    return r ? static_cast<FlowEntry*>(r->owner) : nullptr;
  }
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [id, e] : entries_) f(*e);
  }
  size_t size() const { return entries_.size(); }
  uint64_t generation() const { return generation_; }

  // The changes since the last end_changes(); `overflowed` when there were more than
  // the log keeps (then changes() is incomplete: treat everything as changed).
  const std::vector<FlowChange>& changes() const { return changes_; }
  bool changes_overflowed() const { return changes_overflowed_; }
  // Empties the log and frees the entries removed since the last call.
  void end_changes();

 private:
  void log(FlowChange::Kind kind, const FlowEntry* e);

  std::vector<FlowChange> changes_;
  bool changes_overflowed_ = false;
  std::vector<std::unique_ptr<FlowEntry>> removed_;
  std::array<Classifier, kTables> tables_;
  std::unordered_map<uint32_t, std::unique_ptr<FlowEntry>> entries_;
  uint64_t generation_ = 1;
};

}  // namespace nodeswitch
