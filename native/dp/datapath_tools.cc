// What the datapath does for tools rather than for traffic: offline replay of pcap
// traces, live inject and capture, packet-out and flow counters. Replay and inject
// run the same burst path as live ports; capture is paid only by the captured port.
#include <time.h>

#include <cstring>
#include <stdexcept>

#include "dp/datapath.h"
#include "parse/flow_key.h"

namespace nodeswitch {

void Datapath::capture_frame(PortSlot& slot, const Packet* p) {
  PortSlot::Capture& c = *slot.capture;
  c.writer->write(p->data, p->len, burst_realtime_ns_);
  if (c.remaining && --c.remaining == 0) finish_capture(slot, "");
}

uint64_t Datapath::end_capture(PortSlot& slot, std::string* error) {
  uint64_t written = slot.capture->writer->records();
  try {
    slot.capture->writer->close();
  } catch (const std::exception& e) {
    *error = e.what();
  }
  slot.capture.reset();
  captures_--;
  return written;
}

void Datapath::finish_capture(PortSlot& slot, const std::string& reason) {
  std::string error;
  uint64_t written = end_capture(slot, &error);
  PortEvent ev{false, slot.ofport, error.empty() ? reason : error};
  ev.capture_done = true;
  ev.captured = written;
  push_event(std::move(ev));
}

void Datapath::ingest(uint16_t ofport, const std::vector<std::vector<uint8_t>>& frames) {
  PortSlot& slot = require_port(ofport);
  uint16_t s = uint16_t(find_slot(ofport));
  (void)slot;
  // Frames get the headroom the port drivers leave, for tags the actions push.
  constexpr uint32_t kHeadroom = 64;
  std::vector<std::vector<uint8_t>> bufs;
  Packet pkts[kBurst];
  for (size_t i = 0; i < frames.size();) {
    uint32_t n = 0;
    bufs.clear();
    for (; n < kBurst && i < frames.size(); n++, i++) {
      std::vector<uint8_t>& b = bufs.emplace_back(kHeadroom + frames[i].size());
      if (!frames[i].empty()) std::memcpy(b.data() + kHeadroom, frames[i].data(), frames[i].size());
      pkts[n] = Packet{};
      pkts[n].data = b.data() + kHeadroom;
      pkts[n].len = uint32_t(frames[i].size());
    }
    process_burst(s, pkts, n);
  }
}

void Datapath::start_capture(uint16_t ofport, const std::string& path, bool in, bool out, uint64_t count) {
  PortSlot& slot = require_port(ofport);
  if (slot.capture) throw std::runtime_error("port " + slot.name + " is already being captured");
  auto c = std::make_unique<PortSlot::Capture>();
  c->writer = std::make_unique<PcapWriter>(path, PcapWriter::Resolution::kMicrosecond);
  c->in = in;
  c->out = out;
  c->remaining = count;
  slot.capture = std::move(c);
  captures_++;
}

uint64_t Datapath::stop_capture(uint16_t ofport) {
  PortSlot& slot = require_port(ofport);
  if (!slot.capture) throw std::runtime_error("port " + slot.name + " is not being captured");
  std::string error;
  uint64_t written = end_capture(slot, &error);  // the capture ends either way
  if (!error.empty()) throw std::runtime_error(error);
  return written;
}

uint64_t Datapath::add_pcap_port(const std::string& name, uint16_t ofport, const PcapPort::Options& options) {
  if (find_slot(ofport) >= 0) throw std::runtime_error("ofport " + std::to_string(ofport) + " is already taken");
  auto slot = std::make_unique<PortSlot>();
  slot->ofport = ofport;
  slot->name = name;
  slot->type = PortType::kPcap;
  slot->pcap = std::make_unique<PcapPort::Options>(options);
  slot->pcap->record_times = true;
  open_port(*slot);  // validates the input file whole, creates the output
  uint16_t index = 0;
  while (index < slots_.size() && slots_[index]) index++;
  if (index == slots_.size()) slots_.emplace_back();
  slots_[index] = std::move(slot);
  active_.push_back(index);
  slot_of_ofport_[ofport] = index;
  // Not watched: replay() polls pcap ports itself, and only when asked.
  const PcapReader* reader = static_cast<PcapPort*>(slots_[index]->port.get())->reader();
  return reader ? reader->count() * options.repeat : 0;
}

ReplayResult Datapath::replay(const std::string& controller_out) {
  std::unique_ptr<PcapWriter> controller;
  if (!controller_out.empty()) controller = std::make_unique<PcapWriter>(controller_out);
  upcall_writer_ = controller.get();
  ReplayResult r;
  replay_progress_ = 0;
  uint64_t start = now_ns();
  std::vector<uint16_t> inputs;
  for (uint16_t s : active_) {
    if (slots_[s]->type == PortType::kPcap && !static_cast<PcapPort*>(slots_[s]->port.get())->eof()) inputs.push_back(s);
  }
  uint64_t rx_before = 0;
  for (uint16_t s : inputs) {
    auto* port = static_cast<PcapPort*>(slots_[s]->port.get());
    rx_before += slots_[s]->counters.rx_packets + port->truncated() + port->oversize();
  }
  try {
    // Round-robin one burst per input, so several traces interleave as live ports would.
    while (!inputs.empty()) {
      for (size_t i = 0; i < inputs.size();) {
        PortSlot& in = *slots_[inputs[i]];
        uint32_t n = poll_port(inputs[i]);
        replay_progress_.fetch_add(n, std::memory_order_relaxed);
        if (n == 0 && static_cast<PcapPort*>(in.port.get())->eof()) inputs.erase(inputs.begin() + long(i));
        else i++;
      }
      now_ = now_seconds();
    }
  } catch (...) {
    upcall_writer_ = nullptr;
    throw;
  }
  upcall_writer_ = nullptr;
  r.elapsed_ns = now_ns() - start;
  for (uint16_t s : active_) {
    PortSlot& slot = *slots_[s];
    if (slot.type != PortType::kPcap) continue;
    auto* port = static_cast<PcapPort*>(slot.port.get());
    r.truncated += port->truncated();
    r.oversize += port->oversize();
    // rx_packets counts runts too (they are also rx_errors): records read are the
    // packets that entered plus those the port skipped.
    r.packets += slot.counters.rx_packets + port->truncated() + port->oversize();
    port->close();
  }
  r.packets -= rx_before;
  if (controller) controller->close();
  return r;
}

std::vector<FlowStatsSnapshot> Datapath::flow_stats() const {
  std::vector<FlowStatsSnapshot> out;
  out.reserve(flows_.size());
  flows_.for_each([&](const FlowEntry& e) { out.push_back({e.id, e.n_packets, e.n_bytes, e.last_used_ms}); });
  return out;
}

Datapath::NormalTrace Datapath::trace_normal(const OfAction& op) const {
  MacAddr src, dst;
  std::memcpy(src.b, op.bytes, 6);
  std::memcpy(dst.b, op.bytes + 6, 6);
  // The slot NORMAL would learn on: the pipeline's in_port (kNoSlot from the controller matches no entry).
  NormalPreview p = normal_preview(src, dst, uint16_t(op.u32), slot_of(op.port), macs_);
  uint16_t out = p.decision.out_port;
  bool unicast = p.decision.kind == NormalDecision::kUnicast && out < slots_.size() && slots_[out];
  return {p, unicast ? slots_[out]->ofport : uint16_t(0)};
}

void Datapath::packet_out(const std::vector<uint8_t>& frame, uint32_t in_port, const std::vector<OfAction>& actions) {
  if (frame.size() < 14 || frame.size() > kMaxFrame) throw std::runtime_error("packet-out frame must be 14 to 65600 bytes");
  uint16_t in_slot = in_port == kOfppController ? kNoSlot : slot_of(in_port);
  if (in_port != kOfppController && in_slot == kNoSlot) throw std::runtime_error("no port with ofport " + std::to_string(in_port));
  // Headroom in front for pushed tags, as the port drivers leave.
  std::vector<uint8_t> buf(64 + frame.size());
  std::memcpy(buf.data() + 64, frame.data(), frame.size());
  Packet p{};
  p.data = buf.data() + 64;
  p.len = uint32_t(frame.size());
  FlowKey key;
  if (parse_flow_key(p.data, p.len, &key) == ParseStatus::kRunt) throw std::runtime_error("packet-out frame is a runt");
  key.in_port = in_port;
  // A packet from the controller has no ingress port: no port is excluded from
  // flooding, and NORMAL learns nothing from it (slot kNoSlot never matches).
  burst_ms_ = now_ms();
  Program prog = pipeline_.translate_actions(key, actions);
  run_program(&p, &key, in_slot == kNoSlot ? uint16_t(0xfffe) : in_slot, prog);
  flush_all_outputs();
  if (!burst_upcalls_.empty()) publish_upcalls();
}

}  // namespace nodeswitch
