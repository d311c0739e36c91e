// The datapath's group commands (group_table.h). Like every command, on the datapath
// thread between bursts. A change flushes the megaflows first: their programs inline
// the old buckets, and their credits point at the old buckets' counters.
#include <stdexcept>

#include "dp/datapath.h"

namespace nodeswitch {

void Datapath::set_group(Group group) {
  pipeline_.flush_megaflows();
  groups_.set(std::move(group));
}

void Datapath::delete_groups(const std::vector<uint32_t>& ids) {
  pipeline_.flush_megaflows();
  if (ids.empty()) {
    for (const GroupStats& g : groups_.stats()) groups_.remove(g.id);
  } else {
    for (uint32_t id : ids) groups_.remove(id);
  }
}

std::vector<GroupStats> Datapath::group_stats() {
  pipeline_.push_stats();
  return groups_.stats();
}

void Datapath::set_mem_link(uint16_t ofport, bool up) {
  require_mem_port(ofport);
  ports_.set_link(ports_.require(ofport), up);
}

}  // namespace nodeswitch
