// The datapath's command surface: what the closures JS posts (native/addon) call,
// on the datapath thread between bursts. Each checks its arguments against the
// datapath's state first and throws with the reason before it changes anything.
#include <cstring>
#include <stdexcept>

#include "core/clock.h"
#include "core/frame_buffer.h"
#include "dp/datapath.h"
#include "dp/stages/bare_forward.h"
#include "parse/flow_key.h"

namespace nodeswitch {

// ---- ports ---------------------------------------------------------------------

void Datapath::add_port(const std::string& name, PortType type, uint16_t ofport, bool allow_missing,
                        const TapPort::Options* tap) {
  uint16_t slot = ports_.add(name, type, ofport, allow_missing, nullptr, tap);
  if (bare_forward_) set_bare_forward(ports_[slot], true);
  mirrors_.rebuild();
}

void Datapath::delete_port(uint16_t ofport, bool for_good) {
  uint16_t slot = ports_.require(ofport);
  PortSlot& port = ports_[slot];
  if (port.bond) {
    delete_bond(slot);
    return;
  }
  if (for_good && port.type == PortType::kTap && port.port) static_cast<TapPort*>(port.port.get())->remove();
  if (port.capture) captures_.finish(port, "port deleted");
  ports_.remove(slot);
  mirrors_.rebuild();
}

void Datapath::close_all_ports() {
  while (!ports_.active().empty()) {
    const PortSlot& last = ports_[ports_.active().back()];
    if (last.bond_slot != kNoSlot) delete_bond(last.bond_slot);  // a member goes with its bond
    else delete_port(last.ofport, false);
  }
}

const char* Datapath::tap_origin(uint16_t ofport) const {
  uint16_t s = ports_.slot_of(ofport);
  if (s == kNoSlot || ports_[s].type != PortType::kTap || !ports_[s].port) return nullptr;
  switch (static_cast<const TapPort*>(ports_[s].port.get())->origin()) {
    case TapPort::Origin::kCreated: return "created";
    case TapPort::Origin::kAttached: return "attached";
    case TapPort::Origin::kAttachedElsewhere: return "attached in another network namespace";
  }
  return nullptr;
}

int Datapath::ifindex_of(uint16_t ofport) const {
  uint16_t s = ports_.slot_of(ofport);
  return s == kNoSlot ? 0 : ports_[s].ifindex;
}

std::vector<PortSnapshot> Datapath::port_stats() {
  ports_.poll_counters();
  std::vector<PortSnapshot> out;
  for (uint16_t s : ports_.active()) {
    const PortSlot& slot = ports_[s];
    if (slot.bond_slot != kNoSlot) continue;  // a member: counted in its bond
    PortSnapshot snap{slot.ofport, slot.usable(), slot.ifindex, slot.counters};
    if (slot.bond) {
      for (const BondMember& m : slot.bond->members()) {
        const PortCounters& c = ports_[m.slot].counters;
#define NS_ADD_COUNTER(field, js) snap.counters.field += c.field;
        NS_PORT_COUNTERS(NS_ADD_COUNTER)
#undef NS_ADD_COUNTER
      }
    }
    out.push_back(snap);
  }
  return out;
}

// ---- the bridge ------------------------------------------------------------------

void Datapath::configure(uint32_t mac_aging, uint32_t mac_table_size) {
  mac_aging_ = mac_aging;
  if (mac_table_size != macs_.capacity()) counters_.evicted += macs_.resize(mac_table_size);
  counters_.aged += macs_.expire(now_seconds(), mac_aging_);
}

std::vector<FdbSnapshot> Datapath::fdb() const {
  std::vector<FdbSnapshot> out;
  uint32_t now = now_seconds();
  macs_.for_each([&](const MacTable::Entry& e) { out.push_back({e.mac, e.vlan, ports_[e.slot].ofport, now - e.last_seen}); });
  return out;
}

// ---- OpenFlow --------------------------------------------------------------------

std::vector<FlowStatsSnapshot> Datapath::flow_stats() {
  pipeline_.push_stats();
  std::vector<FlowStatsSnapshot> out;
  out.reserve(flows_.size());
  flows_.for_each([&](const FlowEntry& e) { out.push_back({e.id, e.n_packets, e.n_bytes, e.last_used_ms}); });
  return out;
}

void Datapath::check_packet_out(const uint8_t* frame, size_t len, uint32_t in_port) const {
  if (len < 14 || len > kMaxFrame) throw std::runtime_error("packet-out frame must be 14 to 65600 bytes");
  if (in_port != kOfppController && ports_.slot_of(in_port) == kNoSlot) {
    throw std::runtime_error("no port with ofport " + std::to_string(in_port));
  }
  FlowKey key;
  if (parse_flow_key(frame, uint32_t(len), &key) == ParseStatus::kRunt) throw std::runtime_error("packet-out frame is a runt");
}

void Datapath::packet_out(const uint8_t* frame, size_t len, uint32_t in_port, const std::vector<OfAction>& actions) {
  check_packet_out(frame, len, in_port);
  uint16_t in_slot = in_port == kOfppController ? kControllerSlot : ports_.slot_of(in_port);
  std::vector<uint8_t> buf;
  Packet p = packet_in_buffer(buf, frame, len);
  FlowKey key;
  parse_flow_key(p.data, p.len, &key);
  key.in_port = in_port;
  loop_.run_one(&p, &key, in_slot, pipeline_.translate_actions(key, actions));
}

TraceResult Datapath::trace_frame(const std::vector<uint8_t>& frame, uint32_t in_port) {
  FlowKey key;
  if (parse_flow_key(frame.data(), uint32_t(frame.size()), &key) == ParseStatus::kRunt) {
    throw std::runtime_error("the traced frame is shorter than an Ethernet header");
  }
  key.in_port = in_port;
  TraceResult t;
  Program prog = pipeline_.trace(key, &t.steps, &t.megaflow_mask);
  t.ops.assign(prog.ops, prog.ops + prog.n_ops);
  t.megaflow_installed = pipeline_.find_megaflow(key) != nullptr;
  t.key = key;
  for (const OfAction& op : t.ops) t.normal.push_back(op.code == OpCode::kNormal ? trace_normal(op) : NormalTrace{});
  t.table_miss = prog.table_miss;
  return t;
}

NormalTrace Datapath::trace_normal(const OfAction& op) const {
  if (op.u32 == kVlanInvalid) return {{{NormalDecision::kDrop, 0}, NormalWhy::kVlanInvalid}, uint16_t(0)};
  MacAddr src, dst;
  std::memcpy(src.b, op.bytes, 6);
  std::memcpy(dst.b, op.bytes + 6, 6);
  // The slot NORMAL would learn on: the pipeline's in_port (kNoSlot from the controller matches no entry).
  NormalPreview p = normal_preview(src, dst, uint16_t(op.u32), ports_.slot_of(op.port), macs_);
  uint16_t out = p.decision.out_slot;
  bool unicast = p.decision.kind == NormalDecision::kUnicast && ports_.has(out);
  return {p, unicast ? ports_[out].ofport : uint16_t(0)};
}

// ---- frames from outside the devices -------------------------------------------------

MemPort& Datapath::require_mem_port(uint16_t ofport) {
  PortSlot& slot = require_port(ofport);
  auto* mem = dynamic_cast<MemPort*>(slot.port.get());
  if (!mem) throw std::runtime_error("port " + slot.name + " is not a mem port");
  return *mem;
}

void Datapath::inject_mem(uint16_t ofport, std::vector<MemPort::InFrame>&& frames) {
  MemPort& mem = require_mem_port(ofport);
  mem.inject(std::move(frames));
  uint16_t slot = ports_.slot_of(ofport);
  while (mem.rx_pending()) loop_.poll(slot);
}

std::vector<std::vector<uint8_t>> Datapath::drain_mem(uint16_t ofport) { return require_mem_port(ofport).drain(); }

void Datapath::ingest(uint16_t ofport, const std::vector<std::vector<uint8_t>>& frames) {
  uint16_t slot = ports_.require(ofport);
  std::vector<uint8_t> bufs[kBurst];
  Packet pkts[kBurst];
  for (size_t i = 0; i < frames.size();) {
    uint32_t n = 0;
    for (; n < kBurst && i < frames.size(); n++, i++) pkts[n] = packet_in_buffer(bufs[n], frames[i].data(), frames[i].size());
    loop_.process(slot, pkts, n);
  }
}

// ---- capture -----------------------------------------------------------------------

void Datapath::start_capture(uint16_t ofport, const std::string& path, bool in, bool out, uint64_t count) {
  captures_.start(require_port(ofport), path, in, out, count);
}

uint64_t Datapath::stop_capture(uint16_t ofport) { return captures_.stop(require_port(ofport)); }

// ---- tuning --------------------------------------------------------------------------

void Datapath::set_bare_forward(bool on) {
  bare_forward_ = on;
  for (uint16_t s : ports_.active()) set_bare_forward(ports_[s], on);
}

// The stage goes first: ahead of any other, it takes the whole burst.
void Datapath::set_bare_forward(PortSlot& port, bool on) {
  auto& ingress = port.ingress;
  bool has = !ingress.empty() && dynamic_cast<BareForward*>(ingress.front().get());
  if (on && !has) ingress.insert(ingress.begin(), std::make_unique<BareForward>());
  if (!on && has) ingress.erase(ingress.begin());
}

}  // namespace nodeswitch
