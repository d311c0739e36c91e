#include "dp/replay_driver.h"

#include <vector>

#include "core/clock.h"

namespace nodeswitch {

namespace {

PcapPort& pcap_port(PortSlot& s) { return *static_cast<PcapPort*>(s.port.get()); }

// Records a pcap port has read: rx_packets counts runts too (they are also
// rx_errors), so it is the packets that entered plus those the port skipped.
uint64_t records_read(PortSlot& s) { return s.counters.rx_packets + pcap_port(s).truncated() + pcap_port(s).oversize(); }

}  // namespace

uint64_t ReplayDriver::add_port(const std::string& name, uint16_t ofport, const PcapPort::Options& options) {
  auto files = std::make_unique<PcapPort::Options>(options);
  files->record_times = true;
  uint16_t slot = ports_.add(name, PortType::kPcap, ofport, false, std::move(files));
  const PcapReader* reader = pcap_port(ports_[slot]).reader();
  return reader ? reader->count() * options.repeat : 0;
}

ReplayResult ReplayDriver::run(const std::string& controller_out) {
  std::unique_ptr<PcapWriter> controller;
  if (!controller_out.empty()) controller = std::make_unique<PcapWriter>(controller_out);
  upcalls_.to_file(controller.get());
  ReplayResult r;
  progress_ = 0;
  uint64_t start = now_ns();
  std::vector<uint16_t> inputs;
  uint64_t read_before = 0;
  for (uint16_t s : ports_.active()) {
    if (ports_[s].type != PortType::kPcap || pcap_port(ports_[s]).eof()) continue;
    inputs.push_back(s);
    read_before += records_read(ports_[s]);
  }
  try {
    // Round-robin one burst per input, so several traces interleave as live ports would.
    while (!inputs.empty()) {
      for (size_t i = 0; i < inputs.size();) {
        uint32_t n = loop_.poll(inputs[i]);
        progress_.fetch_add(n, std::memory_order_relaxed);
        if (n == 0 && pcap_port(ports_[inputs[i]]).eof()) inputs.erase(inputs.begin() + long(i));
        else i++;
      }
      loop_.set_now(now_seconds());
    }
  } catch (...) {
    upcalls_.to_file(nullptr);
    throw;
  }
  upcalls_.to_file(nullptr);
  r.elapsed_ns = now_ns() - start;
  for (uint16_t s : ports_.active()) {
    if (ports_[s].type != PortType::kPcap) continue;
    PcapPort& port = pcap_port(ports_[s]);
    r.truncated += port.truncated();
    r.oversize += port.oversize();
    r.packets += records_read(ports_[s]);
    port.close();
  }
  r.packets -= read_before;
  if (controller) controller->close();
  return r;
}

}  // namespace nodeswitch
