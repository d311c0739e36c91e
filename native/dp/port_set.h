// The bridge's ports: the port table (slot → PortSlot), the ofport → slot map, the
// epoll registration of each port's fd, and following the netdevs under the ports
// (rtnetlink link events: a netdev that goes down, vanishes — the VM was destroyed
// — or comes back). A port whose device is gone stays in the table, down, and is
// reattached when a netdev of its name appears again.
//
// Slots are dense and reused; `active()` lists the used ones in the order they were
// added, for flooding and polling. Every method runs on the datapath thread; port
// events go to JS through the Outbox.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dp/port_slot.h"
#include "port/port_monitor.h"

namespace nodeswitch {

class Outbox;

class PortSet {
 public:
  // `epoll_fd`: the datapath thread's wait set; a port's fd goes in tagged with its
  // slot. `on_down(slot)`: the port stopped taking traffic (link down, netdev gone,
  // deleted) — whatever was learned on it must be forgotten.
  PortSet(const std::string& bridge, int epoll_fd, Outbox& outbox, std::function<void(uint16_t)> on_down);

  PortSlot& operator[](uint16_t slot) { return *slots_[slot]; }
  const PortSlot& operator[](uint16_t slot) const { return *slots_[slot]; }
  const std::vector<uint16_t>& active() const { return active_; }
  bool has(uint16_t slot) const { return slot < slots_.size() && slots_[slot]; }
  // kNoSlot when no port has `ofport`.
  // LOCAL answers to both its numbers (of_action.h: kOfppLocal, kLocalOfport).
  uint16_t slot_of(uint32_t ofport) const {
    if (ofport == kOfppLocal) ofport = kLocalOfport;
    return ofport < slot_of_ofport_.size() ? slot_of_ofport_[ofport] : kNoSlot;
  }
  // The slot of `ofport`; throws "no port with ofport N".
  uint16_t require(uint16_t ofport) const;

  // Adds a port and returns its slot; throws with the reason and changes nothing.
  // With `allow_missing`, an afpacket port whose netdev does not exist yet (a VM not
  // started) is added down and attached when the netdev appears. `pcap` holds a
  // kPcap port's files; such a port is not watched (replay polls it). A kTap port
  // takes `tap` (persistent, its MAC; default: a plain TAP named `name`).
  uint16_t add(const std::string& name, PortType type, uint16_t ofport, bool allow_missing,
               std::unique_ptr<PcapPort::Options> pcap = nullptr, const TapPort::Options* tap = nullptr);
  void remove(uint16_t slot);

  // epoll said the port in `slot` has input (or an error pending).
  void mark_ready(uint16_t slot, uint32_t epoll_events);
  // The port's device failed or vanished: detach it, keep the slot, say so.
  void mark_down(uint16_t slot, const std::string& reason);
  // The link monitor's fd (for the thread's epoll set) and its handler.
  int monitor_fd() const { return monitor_.fd(); }
  void handle_link_events();
  // Reads the counters the kernel keeps for each port (ring drops).
  void poll_counters();
  // Carrier or admin state of an attached port changed (link events; a mem port's
  // in tests, Datapath::set_mem_link).
  void set_link(uint16_t slot, bool up);

 private:
  bool try_reopen(uint16_t slot);
  void open(PortSlot& s);
  void watch(PortSlot& s);
  void unwatch(PortSlot& s);
  void event(bool up, const PortSlot& s, std::string reason);

  const std::string bridge_;  // for messages
  int epoll_fd_;
  Outbox& outbox_;
  std::function<void(uint16_t)> on_down_;
  PortMonitor monitor_;
  std::vector<std::unique_ptr<PortSlot>> slots_;  // index = slot; null = free
  std::vector<uint16_t> active_;                  // used slots, in the order added
  std::vector<uint16_t> slot_of_ofport_;          // ofport → slot, kNoSlot when none
};

}  // namespace nodeswitch
