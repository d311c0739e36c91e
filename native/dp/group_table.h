// OpenFlow 1.3 groups (§5.6): the bridge's group table as the datapath holds it, and
// the choices translation makes with it (Pipeline::group, pipeline.cc).
//
// Design. TypeScript owns the OpenFlow semantics (syntax, add/modify/delete, which
// flows use a group, chaining and loop checks) and hands the datapath a checked
// group. Groups are consulted at translation only: a flow's group:N becomes the ops
// of the bucket(s) chosen, inlined into the program, so the run time never looks a
// group up.
//
//   all       every bucket, each on the packet as it was before the group
//   indirect  its one bucket
//   select    one bucket, by a hash of the packet's addresses and ports (select_hash)
//             spread over the buckets in proportion to their weights
//   ff        the first live bucket (fast failover): its watch_port usable (attached,
//             link up) and its watch_group live; none live: drop
//
// What a choice reads goes into the megaflow: select's hash fields into Xlate::wc;
// ff's port states are not key fields, so a megaflow that chose by liveness is marked
// and dropped when a watched port's state changes (Pipeline::check_liveness).
//
// Counters, per group and per bucket (packets, bytes), are credited as flow counters
// are: through the megaflow that chose them (Pipeline::push_stats). A group change
// flushes the megaflows first, so no megaflow points at a counter that is gone.
// Datapath thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dp/of_action.h"
#include "parse/flow_key.h"

namespace nodeswitch {

// OFPGT_* numbers; the names (ovs-ofctl's) are what the addon exports to TypeScript,
// index = number (test/native/constants.test.ts checks src/ofproto/group.ts).
enum class GroupType : uint8_t { kAll = 0, kSelect = 1, kIndirect = 2, kFastFailover = 3 };
constexpr const char* kGroupTypeNames[] = {"all", "select", "indirect", "ff"};

// OFPG_ANY: no group (an unset watch_group).
constexpr uint32_t kOfpgAny = 0xffffffff;

struct GroupCounter {
  uint64_t n_packets = 0, n_bytes = 0;
};

struct GroupBucket {
  uint32_t weight = 0;              // select
  uint32_t watch_port = kOfppAny;   // ff
  uint32_t watch_group = kOfpgAny;  // ff
  std::vector<OfAction> actions;
  GroupCounter counter;
};

struct Group {
  uint32_t id = 0;
  GroupType type = GroupType::kAll;
  std::vector<GroupBucket> buckets;
  GroupCounter counter;
  uint64_t total_weight = 0;  // select: the sum of the buckets' weights
};

struct GroupStats {
  uint32_t id = 0;
  uint64_t n_packets = 0, n_bytes = 0;
  std::vector<GroupCounter> buckets;
};

class GroupTable {
 public:
  // Bucket lists longer than this are refused (OFPGMFC_OUT_OF_BUCKETS above it).
  static constexpr uint32_t kMaxBuckets = 1024;
  // Chained groups nest at most this deep (TypeScript refuses loops; this is the guard).
  static constexpr int kMaxChain = 16;

  // Adds the group or replaces its buckets (the group's counters stay; the buckets'
  // start at zero). Throws on a group TypeScript should not have sent.
  void set(Group g);
  // Returns whether anything was deleted.
  bool remove(uint32_t id);
  Group* find(uint32_t id);
  size_t size() const { return groups_.size(); }
  std::vector<GroupStats> stats() const;

  // Liveness (ff). `port_live` says whether an OpenFlow port is usable now.
  void set_port_live(std::function<bool(uint32_t ofport)> f) { port_live_ = std::move(f); }
  bool bucket_live(const GroupBucket& b, int depth = 0);
  bool group_live(uint32_t id, int depth = 0);
  // The first live bucket of an ff group, or null.
  GroupBucket* first_live(Group& g);
  // Between bursts: whether a watched port's state changed since the last call.
  bool liveness_changed();
  bool watches_ports() const { return !watched_.empty(); }

  // select: the hash of the fields OVS's default selection method hashes (its
  // symmetric L4 hash: both directions of a connection pick the same bucket) —
  // Ethernet addresses, the VLAN ID, dl_type, the IPv4 or IPv6 addresses, the IP
  // protocol and the L4 ports. Marks them consulted in *wc.
  static uint32_t select_hash(const FlowKey& k, FlowKey* wc);
  // The bucket of weight-proportional share `hash` falls in (null: no weight).
  static GroupBucket* choose(Group& g, uint32_t hash);

 private:
  void rebuild_watched();

  std::unordered_map<uint32_t, std::unique_ptr<Group>> groups_;
  std::function<bool(uint32_t)> port_live_;
  // The ports ff buckets watch, with their state when last looked at.
  std::vector<std::pair<uint32_t, bool>> watched_;
};

}  // namespace nodeswitch
