// The datapath: one thread per bridge, which owns the bridge's ports, tables and
// counters, and runs
//
//   wait (epoll: port fds, command eventfd, link monitor; dp/datapath.cc)
//   for each port with input: one burst through the burst loop (dp/burst_loop.cc)
//   between bursts: apply queued commands, age the MAC table, watch links
//
// The parts, one file each: the port set (port_set.*: slots, ofports, link events),
// the burst loop (burst_loop.*), per-port stages (stages/), upcalls (upcalls.*),
// live capture (capture.*), the replay driver (replay_driver.*), what goes back to
// JS (outbox.*) and the command surface — the methods below that command closures
// call, in datapath_commands.cc. docs/architecture.md walks through them.
//
// Everything here is touched only by the datapath thread, except `post`,
// `take_done`, `take_events`, `take_upcalls`, `recycle_upcalls` and `replay_progress`, which JS calls
// (they lock or load an atomic; the hot loop never locks).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/counters.h"
#include "dp/burst_loop.h"
#include "dp/capture.h"
#include "dp/command_queue.h"
#include "dp/flow_table.h"
#include "dp/group_table.h"
#include "dp/mirror.h"
#include "dp/meter_table.h"
#include "dp/outbox.h"
#include "dp/pipeline.h"
#include "dp/poll_mode.h"
#include "dp/port_set.h"
#include "dp/replay_driver.h"
#include "dp/upcalls.h"
#include "port/mem_port.h"
#include "table/mac_table.h"

namespace nodeswitch {

struct FlowStatsSnapshot {
  uint32_t id;
  uint64_t n_packets, n_bytes;
  uint64_t last_used_ms;
};

struct PortSnapshot {
  uint16_t ofport;
  bool up;
  int ifindex;
  PortCounters counters;
};

struct FdbSnapshot {
  MacAddr mac;
  uint16_t vlan;
  uint16_t ofport;
  uint32_t age;
};

// What a traced NORMAL op would do, learning nothing; `ofport` is the unicast output's.
struct NormalTrace {
  NormalPreview preview;
  uint16_t ofport;
};

// What the pipeline would do with a packet: the tables it visits and the ops, and
// for each NORMAL op (normal[i] beside ops[i]) what it would decide now.
struct TraceResult {
  std::vector<TraceStep> steps;
  std::vector<OfAction> ops;
  std::vector<NormalTrace> normal;
  bool table_miss = false;
  // The megaflow the packet makes: the packet's own key, the mask of the bits its
  // translation consulted, and whether one like it is cached now.
  FlowKey key{}, megaflow_mask{};
  bool megaflow_installed = false;
};

// One egress queue of a shaped port (dump-queues).
struct PortQueueSnapshot {
  uint16_t ofport;
  uint64_t max_rate;  // the port's
  QueueSnapshot queue;
};

class Datapath {
 public:
  // `notify` runs on the datapath thread whenever finished commands or port events
  // wait to be taken; it must only schedule work on the JS thread.
  Datapath(std::string name, uint32_t mac_aging, uint32_t mac_table_size, std::function<void()> notify);
  ~Datapath();

  // JS thread.
  void post(std::unique_ptr<Command> cmd) { commands_.post(std::move(cmd)); }
  std::deque<std::unique_ptr<Command>> take_done() { return outbox_.take_done(); }
  std::vector<PortEvent> take_events() { return outbox_.take_events(); }
  UpcallBatch take_upcalls() { return outbox_.take_upcalls(); }
  void recycle_upcalls(UpcallBatch&& used) { outbox_.recycle_upcalls(std::move(used)); }
  // Records read so far by the running replay (an atomic load).
  uint64_t replay_progress() const { return replay_.progress(); }
  // Waits for the thread to end (after a stop command has run).
  void join();
  // Stops the thread without a command (environment teardown).
  void stop_now();

  // ---- the command surface: datapath thread, between bursts (datapath_commands.cc)

  // Ports. With `allow_missing`, an afpacket port whose netdev does not exist yet
  // (a VM not started) is added down, and attached when the netdev appears. A kTap
  // port takes `tap` (persistent, its MAC; default: a plain TAP named `name`).
  void add_port(const std::string& name, PortType type, uint16_t ofport, bool allow_missing,
                const TapPort::Options* tap = nullptr);
  // Not `for_good` (the switch closing): a persistent TAP stays for the next start.
  void delete_port(uint16_t ofport, bool for_good = true);
  void close_all_ports();
  int ifindex_of(uint16_t ofport) const;
  // A TAP port's device: "created", "attached" (it was there) or "attached in another
  // network namespace"; null for other ports.
  const char* tap_origin(uint16_t ofport) const;
  std::vector<PortSnapshot> port_stats();
  // A port's VLAN configuration (dp/vlan.h; datapath_vlan.cc). What was learned on
  // the port is forgotten and the megaflows flushed: NORMAL's cached programs hold
  // VLANs that came from the old configuration.
  void set_port_vlan(uint16_t ofport, const PortVlan& vlan);
  // Bonds (dp/bond.h, datapath_bonds.cc): a bond at `ofport` over afpacket netdevs
  // `members` (at least two; none may be a port already); deleted with delete_port.
  // With `allow_missing`, a member whose netdev does not exist yet starts down.
  void add_bond(const BondConfig& config, uint16_t ofport, const std::vector<std::string>& members, PortType member_type,
                bool allow_missing);
  std::vector<BondSnapshot> bonds() const;

  // The bridge: MAC learning settings and table, counters.
  void configure(uint32_t mac_aging, uint32_t mac_table_size);
  std::vector<FdbSnapshot> fdb() const;
  void fdb_flush() { macs_.flush(); }
  BridgeCounters bridge_stats() const { return counters_; }
  uint32_t mac_entries() const { return macs_.size(); }
  CacheCounters pipeline_stats() const { return pipeline_.stats(); }
  Pipeline& pipeline() { return pipeline_; }

  // OpenFlow tables (the semantics are TypeScript's; see flow_table.h).
  FlowTables& flows() { return flows_; }
  std::vector<FlowStatsSnapshot> flow_stats();
  // Sends `frame` as if it came in on `in_port` (an ofport, or OFPP_CONTROLLER),
  // through `actions`; output:TABLE runs it through the tables.
  void packet_out(const uint8_t* frame, size_t len, uint32_t in_port, const std::vector<OfAction>& actions);
  void packet_out(const std::vector<uint8_t>& frame, uint32_t in_port, const std::vector<OfAction>& actions) {
    packet_out(frame.data(), frame.size(), in_port, actions);
  }
  // Throws what packet_out would refuse (the frame's size, a runt, no such port).
  void check_packet_out(const uint8_t* frame, size_t len, uint32_t in_port) const;
  // What the tables do with `frame` arriving on `in_port`, without sending it.
  // Throws when the frame is a runt.
  TraceResult trace_frame(const std::vector<uint8_t>& frame, uint32_t in_port);
  void set_upcall_limits(uint32_t queue, uint32_t rate_per_second) { upcalls_.set_limits(queue, rate_per_second); }

  // Frames from outside the devices. inject_mem: tests and benches feed a mem
  // port's receive queue, polled like any port's input. ingest: live traffic from a
  // trace (nodeswitch inject) runs through the burst path as if it had arrived on
  // `ofport`, whatever the port's type; the port's driver never sees it.
  void inject_mem(uint16_t ofport, std::vector<MemPort::InFrame>&& frames);
  std::vector<std::vector<uint8_t>> drain_mem(uint16_t ofport);
  void ingest(uint16_t ofport, const std::vector<std::vector<uint8_t>>& frames);

  // Live capture of what `ofport` receives (in), sends (out) or both, for `count`
  // frames (0: until stop_capture). Only that port pays for it.
  void start_capture(uint16_t ofport, const std::string& path, bool in, bool out, uint64_t count);
  // Returns the frames written. Throws on a write error.
  uint64_t stop_capture(uint16_t ofport);

  // Offline replay (replay_driver.h).
  uint64_t add_pcap_port(const std::string& name, uint16_t ofport, const PcapPort::Options& options) {
    return replay_.add_port(name, ofport, options);
  }
  ReplayResult replay(const std::string& controller_out) { return replay_.run(controller_out); }

  // Port mirrors (dp/mirror.h), the whole set at once, by ofport (mirror_commands.cc).
  void set_mirrors(std::vector<MirrorConfig> mirrors);
  std::vector<MirrorStats> mirror_stats() const { return mirrors_.stats(); }
  // QoS (qos_commands.cc). Ingress policing of a port: rate kbit/s, burst kbit
  // (stages/policer.h); rate 0 turns it off. Meters (meter_table.h): add or
  // replace one; delete some (none named: all); their counters.
  void set_ingress_policing(uint16_t ofport, uint32_t rate_kbps, uint32_t burst_kbits);
  void set_meter(const MeterConfig& config);
  void delete_meters(const std::vector<uint32_t>& ids);
  std::vector<MeterStats> meter_stats() const { return meters_.stats(); }
  // OpenFlow groups (group_table.h, group_commands.cc): add or replace one; delete
  // some (none named: all); their counters. Each flushes the megaflows first.
  void set_group(Group group);
  void delete_groups(const std::vector<uint32_t>& ids);
  std::vector<GroupStats> group_stats();
  // Tests: a mem port's link goes down or up, as a netdev's carrier does.
  void set_mem_link(uint16_t ofport, bool up);
  // Egress shaping (datapath_qos.cc, stages/shaper.h): `config` null clears it.
  void set_qos(uint16_t ofport, const ShaperConfig* config);
  std::vector<PortQueueSnapshot> queue_stats() const;

  // Tuning. Bare forwarding: the benchmarks' no-lookup mode (stages/bare_forward.h),
  // on every port while on.
  void set_bare_forward(bool on);
  void set_busy_poll(uint64_t ns) { poll_.set_spin(ns); }
  void set_poll_mode(PollMode mode) { poll_.set_mode(mode); }

 private:
  void run();
  // Waits up to `timeout_ms` (0: just looks), or `limit_ns` if sooner; true when a
  // port has input.
  bool wait_for_input(int timeout_ms, uint64_t limit_ns, bool* timed_out);
  // Sends what shaped ports have due; returns the ns until the next is due (~0: none).
  uint64_t service_shapers();
  void apply_commands();
  void housekeeping();
  // Every round: carrier and LACP into each bond's enabled set, LACPDUs out.
  void run_bonds();
  void delete_bond(uint16_t slot);
  // A port stopped taking traffic: forget what was learned on it.
  void forget_slot(uint16_t slot) { macs_.flush_slot(slot); }
  PortSlot& require_port(uint16_t ofport) { return ports_[ports_.require(ofport)]; }
  void set_bare_forward(PortSlot& port, bool on);
  MemPort& require_mem_port(uint16_t ofport);
  NormalTrace trace_normal(const OfAction& op) const;

  const std::string name_;
  uint32_t mac_aging_;
  MacTable macs_;
  BridgeCounters counters_;
  FlowTables flows_;
  MeterTable meters_;
  GroupTable groups_;
  Pipeline pipeline_{flows_};
  int epoll_fd_;
  CommandQueue commands_;
  Outbox outbox_;
  PortSet ports_;
  MirrorSet mirrors_{ports_};
  Upcalls upcalls_{outbox_, counters_};
  Captures captures_{outbox_};
  BurstLoop loop_{ports_, pipeline_, macs_, counters_, upcalls_, captures_};
  ReplayDriver replay_{ports_, loop_, upcalls_};
  bool bare_forward_ = false;
  std::vector<uint16_t> shaped_;  // slots with a shaper
  PollPolicy poll_;               // when the thread sleeps and when it keeps polling (poll_mode.h)
  uint32_t now_ = 0;              // seconds, the datapath clock
  uint32_t last_housekeeping_ = 0;
  bool stopping_ = false;
  std::vector<uint16_t> bond_slots_;  // the slots holding a bond
  std::thread thread_;
};

}  // namespace nodeswitch
