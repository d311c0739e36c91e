#include "dp/datapath.h"

#include <net/if.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "core/checksum.h"
#include "core/gso.h"
#include "dp/normal.h"
#include "dp/packet_edit.h"
#include "parse/flow_key.h"
#include "port/af_packet_port.h"
#include "port/mem_port.h"
#include "port/tap_port.h"

namespace nodeswitch {

namespace {

// epoll user data for the two non-port fds; ports use their slot index.
constexpr uint32_t kWakeTag = 0xffff0001;
constexpr uint32_t kMonitorTag = 0xffff0002;

// Upper bound on idle sleep: aging and counter polling run at least this often.
constexpr int kIdleWaitMs = 1000;


}  // namespace

uint64_t Datapath::now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

Datapath::Datapath(std::string name, uint32_t mac_aging, uint32_t mac_table_size, std::function<void()> notify)
    : name_(std::move(name)),
      mac_aging_(mac_aging),
      macs_(mac_table_size),
      slot_of_ofport_(0xff00, kNoSlot),
      gso_scratch_(new uint8_t[kGsoScratch]),
      notify_(std::move(notify)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kWakeTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, commands_.wake_fd(), &ev);
  ev.data.u32 = kMonitorTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, monitor_.fd(), &ev);
  now_ = last_housekeeping_ = now_seconds();
  thread_ = std::thread([this] { run(); });
}

Datapath::~Datapath() {
  stop_now();
  close(epoll_fd_);
}

void Datapath::stop_now() {
  if (!thread_.joinable()) return;
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    dp.close_all_ports();
    return nullptr;
  };
  cmd->stop = true;
  post(std::move(cmd));
  thread_.join();
}

void Datapath::join() {
  if (thread_.joinable()) thread_.join();
}

uint64_t Datapath::now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1'000'000;
}

uint32_t Datapath::now_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return uint32_t(ts.tv_sec);
}

// ---- the loop ---------------------------------------------------------------

void Datapath::run() {
  uint64_t last_packet_ns = 0;
  while (!stopping_) {
    uint32_t received = 0;
    for (size_t i = 0; i < active_.size(); i++) {
      uint16_t slot = active_[i];
      if (slots_[slot]->ready) received += poll_port(slot);
    }
    if (commands_.pending()) apply_commands();
    if (stopping_) break;
    now_ = now_seconds();
    if (now_ != last_housekeeping_) housekeeping();
    if (received) {
      last_packet_ns = 0;  // stamped lazily: no clock read per busy round
    } else {
      uint64_t t = now_ns();
      if (last_packet_ns == 0) last_packet_ns = t;
      wait_for_input(t - last_packet_ns < spin_ns_ ? 0 : kIdleWaitMs);
    }
  }
}

void Datapath::wait_for_input(int timeout_ms) {
  epoll_event evs[64];
  int n = epoll_wait(epoll_fd_, evs, 64, timeout_ms);
  for (int i = 0; i < n; i++) {
    uint32_t tag = evs[i].data.u32;
    if (tag == kWakeTag) {
      commands_.clear_wake();
    } else if (tag == kMonitorTag) {
      handle_link_events();
    } else if (tag < slots_.size() && slots_[tag] && slots_[tag]->port) {
      if (evs[i].events & EPOLLERR) slots_[tag]->port->clear_error();
      slots_[tag]->ready = true;
    }
  }
}

// Receives one burst from a port and forwards it. Returns how many packets came.
uint32_t Datapath::poll_port(uint16_t slot) {
  PortSlot& in = *slots_[slot];
  Packet pkts[kBurst];
  uint32_t n = in.port->rx_burst(pkts, kBurst, in.counters);
  if (n > 0) process_burst(slot, pkts, n);
  in.port->release_rx();
  if (in.port->failed()) {
    mark_down(slot, "device removed");
    return 0;
  }
  if (n < kBurst) in.ready = false;
  return n;
}

// Runs every packet of the burst through the OpenFlow pipeline — a microflow
// cache hit in the common case — queueing it on its output ports, then sends one
// burst per output port. Nothing in here allocates, locks or makes a syscall except
// the sends (and the controller path, which is rate-limited).
void Datapath::process_burst(uint16_t in_slot, Packet* pkts, uint32_t n) {
  PortSlot& in = *slots_[in_slot];
  burst_ms_ = now_ms();
  if (captures_) {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    burst_realtime_ns_ = uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
  }
  if (bare_forward_) {
    for (uint32_t i = 0; i < n; i++) {
      in.counters.rx_packets++;
      in.counters.rx_bytes += pkts[i].len;
      output_all(&pkts[i], in_slot);
    }
    flush_all_outputs();
    return;
  }
  FlowKey key;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = &pkts[i];
    p->in_port = in_slot;
    in.counters.rx_packets++;
    in.counters.rx_bytes += p->len;
    ParseStatus status = parse_flow_key(p->data, p->len, &key);
    if (status == ParseStatus::kRunt) {
      counters_.drop_runt++;
      in.counters.rx_errors++;
      continue;
    }
    if (status == ParseStatus::kBadL3) counters_.parse_errors++;
    if (in.capture && in.capture->in) capture_frame(in, p);
    key.in_port = in.ofport;
    run_program(p, &key, in_slot, pipeline_.lookup(key));
  }
  flush_all_outputs();
  if (!burst_upcalls_.empty()) publish_upcalls();
}

void Datapath::flush_all_outputs() {
  for (uint16_t o : active_) {
    if (slots_[o]->txn) flush_output(*slots_[o]);
  }
}

// Runs a compiled program on one packet. `key` is the packet's own key, kept in
// step by the rewrites (they need its header offsets).
void Datapath::run_program(Packet* p, FlowKey* key, uint16_t in_slot, const Program& prog) {
  FlowEntry* const* credits = pipeline_.credits(prog);
  for (uint32_t c = 0; c < prog.n_credit; c++) {
    credits[c]->n_packets++;
    credits[c]->n_bytes += p->len;
    credits[c]->last_used_ms = burst_ms_;
  }
  if (prog.n_ops == 0) {
    if (prog.table_miss) counters_.table_miss++;
    return;
  }
  const OfAction* ops = pipeline_.ops(prog);
  bool queued = false;  // the packet sits in an output queue: copy-free edits must wait
  for (uint32_t i = 0; i < prog.n_ops; i++) {
    const OfAction& op = ops[i];
    switch (op.code) {
      case OpCode::kOutput: {
        uint16_t s = slot_of(op.port);
        if (s != kNoSlot && usable(*slots_[s])) {
          enqueue(*slots_[s], p);
          queued = true;
        } else {
          (s == kNoSlot ? counters_.drop_no_port : counters_.drop_port_down)++;
        }
        continue;
      }
      case OpCode::kInPort: {
        uint16_t s = slot_of(op.port);  // the pipeline's in_port, maybe not the ingress
        if (s != kNoSlot && usable(*slots_[s])) enqueue(*slots_[s], p), queued = true;
        else (s == kNoSlot ? counters_.drop_no_port : counters_.drop_port_down)++;
        continue;
      }
      case OpCode::kNormal: output_normal(p, in_slot, op), queued = true; continue;
      case OpCode::kFlood:
      case OpCode::kAll: output_all(p, in_slot), queued = true; continue;
      case OpCode::kLocal: counters_.drop_no_port++; continue;  // no LOCAL port yet
      case OpCode::kController: upcall(p, *key, op); continue;
      default: break;
    }
    // A rewrite. Frames already queued share these bytes: send them first. Only a
    // rule that outputs, rewrites and outputs again pays this.
    if (queued) {
      flush_all_outputs();
      queued = false;
    }
    switch (op.code) {
      case OpCode::kSetEthSrc: edit_eth_src(p, key, *reinterpret_cast<const MacAddr*>(op.bytes)); break;
      case OpCode::kSetEthDst: edit_eth_dst(p, key, *reinterpret_cast<const MacAddr*>(op.bytes)); break;
      case OpCode::kSetVlanVid: edit_vlan_vid(p, key, uint16_t(op.u32)); break;
      case OpCode::kSetVlanPcp: edit_vlan_pcp(p, key, uint8_t(op.u32)); break;
      case OpCode::kPushVlan: edit_push_vlan(p, key, uint16_t(op.u32)); break;
      case OpCode::kPopVlan: edit_pop_vlan(p, key); break;
      case OpCode::kSetIpv4Src: edit_ipv4_src(p, key, op.u32); break;
      case OpCode::kSetIpv4Dst: edit_ipv4_dst(p, key, op.u32); break;
      case OpCode::kSetIpv6Src: edit_ipv6_src(p, key, op.bytes); break;
      case OpCode::kSetIpv6Dst: edit_ipv6_dst(p, key, op.bytes); break;
      case OpCode::kSetIpDscp: edit_ip_dscp(p, key, uint8_t(op.u32)); break;
      case OpCode::kSetIpEcn: edit_ip_ecn(p, key, uint8_t(op.u32)); break;
      case OpCode::kSetIpTtl: edit_ip_ttl(p, key, uint8_t(op.u32)); break;
      case OpCode::kDecTtl:
        if (!edit_dec_ttl(p, key)) {
          counters_.invalid_ttl++;
          return;
        }
        break;
      case OpCode::kSetTpSrc: edit_tp_src(p, key, uint16_t(op.u32)); break;
      case OpCode::kSetTpDst: edit_tp_dst(p, key, uint16_t(op.u32)); break;
      default: break;
    }
  }
}

void Datapath::output_normal(Packet* p, uint16_t in_slot, const OfAction& op) {
  MacAddr src, dst;
  std::memcpy(src.b, op.bytes, 6);
  std::memcpy(dst.b, op.bytes + 6, 6);
  // Learn on the port the pipeline says the packet came in on (resubmit may change it).
  bool real_in = in_slot < slots_.size() && slots_[in_slot];
  uint16_t learn_slot = real_in && op.port == slots_[in_slot]->ofport ? in_slot : slot_of(op.port);
  NormalDecision d;
  if (learn_slot == kNoSlot) {
    // From the controller (packet-out): nothing to learn, just look the destination up.
    uint16_t out = dst.is_multicast() ? MacTable::kNoPort : macs_.lookup(dst, uint16_t(op.u32));
    d = out == MacTable::kNoPort ? NormalDecision{NormalDecision::kFlood, 0} : NormalDecision{NormalDecision::kUnicast, out};
  } else {
    d = normal_decide(src, dst, uint16_t(op.u32), learn_slot, now_, macs_, counters_, normal_memo_);
  }
  if (d.kind == NormalDecision::kUnicast) {
    PortSlot* out = d.out_port < slots_.size() ? slots_[d.out_port].get() : nullptr;
    if (out && usable(*out)) enqueue(*out, p);
    else counters_.drop_port_down++;
  } else if (d.kind == NormalDecision::kFlood) {
    output_all(p, learn_slot);
  }
}

void Datapath::output_all(Packet* p, uint16_t in_slot) {
  for (uint16_t o : active_) {
    if (o != in_slot && usable(*slots_[o])) enqueue(*slots_[o], p);
  }
}

// Queues a copy of the packet (cut to max_len) for the controller, within the
// queue bound and the rate limit; the rest are dropped and counted.
void Datapath::upcall(const Packet* p, const FlowKey& key, const OfAction& op) {
  if (upcall_writer_) {
    // Replay: the controller is a file; nothing is rate-limited or dropped.
    counters_.upcalls++;
    uint32_t len = op.u32 < p->len ? op.u32 : p->len;
    upcall_writer_->write(p->data, len, p->ts_ns);
    return;
  }
  if (upcall_tokens_ == 0 || burst_upcalls_.size() >= upcall_queue_max_) {
    counters_.upcall_drops++;
    return;
  }
  upcall_tokens_--;
  counters_.upcalls++;
  // Partial checksums are finished first: the controller sees the frame as the wire would.
  Upcall u;
  u.in_port = key.in_port;
  u.reason = op.pad_[0];
  u.table = op.pad_[1];
  u.cookie = op.u64;
  u.total_len = p->len;
  uint32_t len = op.u32 < p->len ? op.u32 : p->len;
  u.data.assign(p->data, p->data + len);
  if (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    Packet copy = *p;
    copy.data = u.data.data();
    copy.len = len;
    finish_checksum(&copy);
  }
  burst_upcalls_.push_back(std::move(u));
}

void Datapath::publish_upcalls() {
  {
    std::lock_guard<std::mutex> lock(out_mu_);
    for (Upcall& u : burst_upcalls_) {
      if (upcalls_.size() >= upcall_queue_max_) {
        counters_.upcall_drops++;
        continue;
      }
      upcalls_.push_back(std::move(u));
    }
  }
  burst_upcalls_.clear();
  notify_();
}

void Datapath::flush_output(PortSlot& out) {
  if (out.capture && out.capture->out) {
    for (uint32_t i = 0; i < out.txn && out.capture; i++) capture_frame(out, out.txq[i]);
  }
  if (out.port->accepts_offloads()) {
    out.port->tx_burst(out.txq, out.txn, out.counters);
    out.txn = 0;
    return;
  }
  // Finish what a device would have: checksums in place (right for every port the
  // packet goes to), super-frames segmented into scratch. Frames keep their order.
  uint32_t start = 0;
  for (uint32_t i = 0; i < out.txn; i++) {
    Packet* p = out.txq[i];
    bool gso = p->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE;
    if (!gso && finish_checksum(p)) continue;
    out.port->tx_burst(out.txq + start, i - start, out.counters);
    start = i + 1;
    uint32_t n = gso ? gso_segment(*p, gso_scratch_.get(), kGsoScratch, gso_out_, kGsoMaxSegments) : 0;
    if (n == 0) {
      out.counters.tx_errors++;
      continue;
    }
    Packet* segs[kBurst];
    for (uint32_t k = 0; k < n; k += kBurst) {
      uint32_t m = n - k < kBurst ? n - k : kBurst;
      for (uint32_t j = 0; j < m; j++) segs[j] = &gso_out_[k + j];
      out.port->tx_burst(segs, m, out.counters);
    }
  }
  out.port->tx_burst(out.txq + start, out.txn - start, out.counters);
  out.txn = 0;
}

// ---- between bursts -----------------------------------------------------------

void Datapath::apply_commands() {
  auto cmds = commands_.take();
  for (auto& cmd : cmds) {
    try {
      cmd->result = cmd->apply(*this);
    } catch (const std::exception& e) {
      cmd->error = e.what();
    }
    if (cmd->stop) stopping_ = true;
  }
  {
    std::lock_guard<std::mutex> lock(out_mu_);
    for (auto& cmd : cmds) done_.push_back(std::move(cmd));
  }
  notify_();
}

void Datapath::housekeeping() {
  last_housekeeping_ = now_;
  upcall_tokens_ = upcall_rate_;
  if (captures_) {
    // A long capture's file grows every second, not only when its buffer fills.
    for (uint16_t s : active_) {
      if (slots_[s]->capture) slots_[s]->capture->writer->flush();
    }
  }
  counters_.aged += macs_.expire(now_, mac_aging_);
  for (uint16_t s : active_) {
    if (slots_[s]->port) slots_[s]->port->poll_counters(slots_[s]->counters);
  }
}

void Datapath::push_event(PortEvent ev) {
  {
    std::lock_guard<std::mutex> lock(out_mu_);
    events_.push_back(std::move(ev));
  }
  notify_();
}

std::deque<std::unique_ptr<Command>> Datapath::take_done() {
  std::lock_guard<std::mutex> lock(out_mu_);
  std::deque<std::unique_ptr<Command>> out;
  out.swap(done_);
  return out;
}

std::vector<Upcall> Datapath::take_upcalls() {
  std::lock_guard<std::mutex> lock(out_mu_);
  std::vector<Upcall> out;
  out.swap(upcalls_);
  return out;
}

std::vector<PortEvent> Datapath::take_events() {
  std::lock_guard<std::mutex> lock(out_mu_);
  std::vector<PortEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace nodeswitch
