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
  entries_.emplace(entry->id, std::move(entry));
  generation_++;
}

void FlowTables::remove(uint32_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) throw std::runtime_error("no flow with id " + std::to_string(id));
  tables_[it->second->table].remove(&it->second->rule);
  entries_.erase(it);
  generation_++;
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
  generation_++;
}

void FlowTables::clear() {
  for (auto& [id, e] : entries_) tables_[e->table].remove(&e->rule);
  entries_.clear();
  generation_++;
}

FlowEntry* FlowTables::find(uint32_t id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.get();
}

}  // namespace nodeswitch
