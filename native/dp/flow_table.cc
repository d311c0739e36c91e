#include "dp/flow_table.h"

#include <stdexcept>
#include <string>

namespace nodeswitch {

void FlowTables::install(std::unique_ptr<FlowEntry> entry) {
  if (entry->table >= kTables) throw std::runtime_error("table " + std::to_string(entry->table) + " is out of range (0-254)");
  if (entries_.count(entry->id)) throw std::runtime_error("flow id " + std::to_string(entry->id) + " is already installed");
  if (tables_[entry->table].find_exact(entry->rule.key, entry->rule.mask, entry->rule.priority)) {
    throw std::runtime_error("an identical flow is already in table " + std::to_string(entry->table));
  }
  entry->rule.owner = entry.get();
  tables_[entry->table].insert(&entry->rule);
  log(FlowChange::kAdd, entry.get());
  entries_.emplace(entry->id, std::move(entry));
}

void FlowTables::remove(uint32_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) throw std::runtime_error("no flow with id " + std::to_string(id));
  tables_[it->second->table].remove(&it->second->rule);
  log(FlowChange::kRemove, it->second.get());
  removed_.push_back(std::move(it->second));
  entries_.erase(it);
}

void FlowTables::set_actions(uint32_t id, FlowEntry&& from) {
  FlowEntry* e = find(id);
  if (!e) throw std::runtime_error("no flow with id " + std::to_string(id));
  e->apply = std::move(from.apply);
  e->write = std::move(from.write);
  e->clear_actions = from.clear_actions;
  e->write_metadata = from.write_metadata;
  e->metadata_value = from.metadata_value;
  e->metadata_mask = from.metadata_mask;
  e->goto_table = from.goto_table;
  e->cookie = from.cookie;
  log(FlowChange::kModify, e);
}

void FlowTables::clear() {
  for (auto& [id, e] : entries_) {
    tables_[e->table].remove(&e->rule);
    log(FlowChange::kRemove, e.get());
    removed_.push_back(std::move(e));
  }
  entries_.clear();
}

void FlowTables::log(FlowChange::Kind kind, const FlowEntry* e) {
  generation_++;
  if (changes_overflowed_) return;
  if (changes_.size() == kMaxLoggedChanges) {
    changes_overflowed_ = true;
    changes_.clear();
    return;
  }
  changes_.push_back({kind, e});
}

void FlowTables::end_changes() {
  changes_.clear();
  changes_overflowed_ = false;
  removed_.clear();
}

FlowEntry* FlowTables::find(uint32_t id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.get();
}

}  // namespace nodeswitch
