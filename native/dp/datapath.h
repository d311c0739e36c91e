// The datapath: one thread per bridge that owns the bridge's ports, MAC table and
// counters, and runs the burst loop:
//
//   wait (epoll: port fds, command eventfd, link monitor)
//   for each port with input: rx burst → parse → NORMAL → per-port output queues
//                             → one tx burst per output port → release the input
//   between bursts: apply queued commands, age the MAC table, watch links
//
// Everything here is touched only by the datapath thread, except `post`,
// `take_done` and `take_events`, which JS calls (they lock; the hot loop never does).
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/counters.h"
#include "core/packet.h"
#include "dp/command_queue.h"
#include "dp/flow_table.h"
#include "dp/normal.h"
#include "dp/pipeline.h"
#include "port/mem_port.h"
#include "port/pcap_port.h"
#include "port/port.h"
#include "port/port_monitor.h"
#include "port/tap_port.h"
#include "table/mac_table.h"

namespace nodeswitch {

enum class PortType : uint8_t { kAfPacket, kTap, kMem, kPcap };

struct PortSlot {
  uint16_t ofport = 0;
  std::string name;
  PortType type = PortType::kAfPacket;
  std::unique_ptr<Port> port;  // null while the netdev is gone: the port is down
  bool link_up = true;         // afpacket: the netdev is up and has carrier
  int ifindex = 0;
  bool ready = false;  // epoll said it has input; cleared when a burst comes up short
  PortCounters counters;
  // This burst's output queue. A rule may send a packet out of one port twice, so
  // it holds two bursts and is flushed early if it ever fills.
  static constexpr uint32_t kTxQueue = 2 * kBurst;
  Packet* txq[kTxQueue];
  uint32_t txn = 0;
  std::unique_ptr<PcapPort::Options> pcap;  // kPcap: its files
  std::unique_ptr<TapPort::Options> tap;    // kTap: persistence, MAC, where to look
  // A live capture of what this port receives and/or sends (nodeswitch capture).
  struct Capture {
    std::unique_ptr<PcapWriter> writer;
    bool in = false, out = false;
    uint64_t remaining = 0;  // frames still to write; 0 = until stopped
  };
  std::unique_ptr<Capture> capture;
};

struct ReplayResult {
  uint64_t packets = 0;     // records read from every input, all passes
  uint64_t elapsed_ns = 0;  // wall time of the replay loop
  uint64_t truncated = 0;   // snapped records skipped
  uint64_t oversize = 0;    // records longer than a frame can be, skipped
};

// A packet on its way to the controller (TypeScript), with OpenFlow's packet-in data.
struct Upcall {
  uint32_t in_port;
  uint8_t reason;  // kReasonNoMatch / kReasonAction / kReasonInvalidTtl
  uint8_t table;
  uint64_t cookie;
  uint32_t total_len;         // the frame's length; data may be cut to max_len
  std::vector<uint8_t> data;
};

struct FlowStatsSnapshot {
  uint32_t id;
  uint64_t n_packets, n_bytes;
  uint64_t last_used_ms;
};

struct PortEvent {
  bool up;
  uint16_t ofport;
  std::string reason;
  // A capture that ended (its count reached, its port deleted, a write error in
  // `reason`) rather than a link change.
  bool capture_done = false;
  uint64_t captured = 0;
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

class Datapath {
 public:
  // `notify` runs on the datapath thread whenever finished commands or port events
  // wait to be taken; it must only schedule work on the JS thread.
  Datapath(std::string name, uint32_t mac_aging, uint32_t mac_table_size, std::function<void()> notify);
  ~Datapath();

  // JS thread.
  void post(std::unique_ptr<Command> cmd) { commands_.post(std::move(cmd)); }
  std::deque<std::unique_ptr<Command>> take_done();
  std::vector<PortEvent> take_events();
  std::vector<Upcall> take_upcalls();
  // Waits for the thread to end (after a stop command has run).
  void join();
  // Stops the thread without a command (environment teardown).
  void stop_now();

  // Datapath thread (command closures).
  // With `allow_missing`, an afpacket port whose netdev does not exist yet (a VM not
  // started) is added down, and attached when the netdev appears.
  // A kTap port takes `tap` (persistent, its MAC; default: a plain TAP named `name`).
  void add_port(const std::string& name, PortType type, uint16_t ofport, bool allow_missing, const TapPort::Options* tap = nullptr);
  // Not `for_good` (the switch closing): a persistent TAP stays for the next start.
  void delete_port(uint16_t ofport, bool for_good = true);
  void configure(uint32_t mac_aging, uint32_t mac_table_size);
  std::vector<FdbSnapshot> fdb() const;
  // OpenFlow tables (the semantics are TypeScript's; see flow_table.h).
  FlowTables& flows() { return flows_; }
  std::vector<FlowStatsSnapshot> flow_stats() const;
  // Sends `frame` as if it came in on `in_port` (an ofport, or OFPP_CONTROLLER),
  // through `actions`; output:TABLE runs it through the tables.
  void packet_out(const std::vector<uint8_t>& frame, uint32_t in_port, const std::vector<OfAction>& actions);
  // Which tables a packet with this key visits, the flows it hits and the ops that result.
  Program trace(const FlowKey& key, std::vector<TraceStep>* steps) { return pipeline_.trace(key, steps); }
  // What a traced NORMAL op would do, learning nothing; `ofport` is the unicast output's.
  struct NormalTrace {
    NormalPreview preview;
    uint16_t ofport;
  };
  NormalTrace trace_normal(const OfAction& op) const;
  const OfAction* program_ops(const Program& p) const { return pipeline_.ops(p); }
  MicroflowCacheStats cache_stats() const { return pipeline_.cache_stats(); }
  // Benchmarks only: every frame goes straight to every other port, with no parse
  // and no lookup — the I/O ceiling the pipeline's cost is measured against.
  void set_bare_forward(bool on) { bare_forward_ = on; }
  void set_busy_poll(uint64_t ns) { spin_ns_ = ns; }
  void set_upcall_limits(uint32_t queue, uint32_t rate) {
    upcall_queue_max_ = queue;
    upcall_rate_ = rate;
    if (upcall_tokens_ > rate) upcall_tokens_ = rate;  // a lower rate applies at once
  }
  static uint64_t now_ms();
  static uint64_t now_ns();
  void fdb_flush() { macs_.flush(); }
  std::vector<PortSnapshot> port_stats();
  BridgeCounters bridge_stats() const { return counters_; }
  uint32_t mac_entries() const { return macs_.size(); }
  void inject(uint16_t ofport, std::vector<MemPort::InFrame>&& frames);
  std::vector<std::vector<uint8_t>> drain(uint16_t ofport);
  void close_all_ports();
  // Live traffic from outside the ports: `frames` are processed as if they had
  // arrived on `ofport` (nodeswitch inject).
  void ingest(uint16_t ofport, const std::vector<std::vector<uint8_t>>& frames);
  // Starts writing what `ofport` receives (in), sends (out) or both to a pcap file,
  // for `count` frames (0: until stop_capture). Only that port pays for it.
  void start_capture(uint16_t ofport, const std::string& path, bool in, bool out, uint64_t count);
  // Stops and closes a capture; returns the frames written. Throws on a write error.
  uint64_t stop_capture(uint16_t ofport);
  // Offline replay: a pcap port replays its input file; its output file records
  // what the switch sends it. replay() runs every input to its end, as fast as the
  // pipeline goes, on this thread; packets for the controller go to
  // `controller_out` (a pcap file) instead of up to JS. Throws on a write error.
  // Returns how many records its input will deliver (all passes), for progress.
  uint64_t add_pcap_port(const std::string& name, uint16_t ofport, const PcapPort::Options& options);
  ReplayResult replay(const std::string& controller_out);
  // Records read so far by the running replay (any thread may read it).
  uint64_t replay_progress() const { return replay_progress_.load(std::memory_order_relaxed); }
  int ifindex_of(uint16_t ofport) const;
  // A TAP port's device: "created", "attached" (it was there) or "attached in another
  // network namespace"; null for other ports.
  const char* tap_origin(uint16_t ofport) const;

 private:
  void run();
  void wait_for_input(int timeout_ms);
  uint32_t poll_port(uint16_t slot);
  void process_burst(uint16_t in_slot, Packet* pkts, uint32_t n);
  void enqueue(PortSlot& out, Packet* p) {
    if (out.txn == PortSlot::kTxQueue) flush_output(out);
    out.txq[out.txn++] = p;
  }
  void run_program(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog);
  void output_normal(Packet* p, uint16_t in_slot, const OfAction& op);
  void output_all(Packet* p, uint16_t in_slot);
  void upcall(const Packet* p, const FlowKey& key, const OfAction& op);
  void flush_all_outputs();
  void capture_frame(PortSlot& slot, const Packet* p);
  void finish_capture(PortSlot& slot, const std::string& reason);
  // Closes a capture; returns the frames written, and any write error in *error.
  uint64_t end_capture(PortSlot& slot, std::string* error);
  void publish_upcalls();
  uint16_t slot_of(uint32_t ofport) const { return ofport < slot_of_ofport_.size() ? slot_of_ofport_[ofport] : kNoSlot; }
  static bool usable(const PortSlot& s) { return s.port && s.link_up; }
  void set_link(uint16_t slot, bool up);
  void flush_output(PortSlot& out);
  void apply_commands();
  void housekeeping();
  void handle_link_events();
  void mark_down(uint16_t slot, const std::string& reason);
  bool try_reopen(uint16_t slot);
  void open_port(PortSlot& s);
  void watch(uint16_t slot);
  void push_event(PortEvent ev);
  int find_slot(uint16_t ofport) const;
  PortSlot& require_port(uint16_t ofport);
  static uint32_t now_seconds();

  const std::string name_;
  uint32_t mac_aging_;
  MacTable macs_;
  NormalMemo normal_memo_;
  BridgeCounters counters_;
  FlowTables flows_;
  Pipeline pipeline_{flows_};
  static constexpr uint16_t kNoSlot = 0xffff;
  std::vector<uint16_t> slot_of_ofport_;  // ofport → slot, kNoSlot when none
  uint64_t burst_ms_ = 0;                 // the clock for flow counters, read once per burst
  uint64_t burst_realtime_ns_ = 0;        // capture timestamps, read once per burst when capturing
  uint32_t captures_ = 0;                 // live captures running
  bool bare_forward_ = false;
  // After the last packet, keep polling (epoll_wait with no timeout) this long
  // before sleeping. A sleeping thread costs a wakeup per arrival — ~40 µs on these
  // VMs, most of the RTT — while a short spin catches request/response traffic and
  // back-to-back bursts awake. Idle, the thread sleeps; under load it never does.
  // A longer window trades a core for latency, as a PMD thread does.
  uint64_t spin_ns_ = 200'000;
  // Upcalls: gathered per burst without a lock, then published under out_mu_.
  std::vector<Upcall> burst_upcalls_;
  uint32_t upcall_queue_max_ = 1024;
  uint32_t upcall_rate_ = 10000;          // per second
  uint32_t upcall_tokens_ = 10000;        // refilled each second
  // Replay: where controller packets go (stamped with their input record's time),
  // and progress for JS.
  PcapWriter* upcall_writer_ = nullptr;
  std::atomic<uint64_t> replay_progress_{0};
  std::vector<std::unique_ptr<PortSlot>> slots_;  // index = slot; null = free
  std::vector<uint16_t> active_;                  // used slots, for flooding and polling
  CommandQueue commands_;
  PortMonitor monitor_;
  int epoll_fd_;
  // Software segmentation for outputs that take no offloads (slow path).
  static constexpr size_t kGsoScratch = 4 * kMaxFrame;
  static constexpr uint32_t kGsoMaxSegments = 512;
  std::unique_ptr<uint8_t[]> gso_scratch_;
  Packet gso_out_[kGsoMaxSegments];
  uint32_t now_ = 0;
  uint32_t last_housekeeping_ = 0;
  bool stopping_ = false;

  std::function<void()> notify_;
  std::mutex out_mu_;  // guards done_ and events_, shared with the JS thread
  std::deque<std::unique_ptr<Command>> done_;
  std::vector<PortEvent> events_;
  std::vector<Upcall> upcalls_;

  std::thread thread_;
};

}  // namespace nodeswitch
