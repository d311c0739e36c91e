// The datapath's ports: adding and removing them, following their netdevs (link
// events, devices that vanish and come back), and the reads commands make of them
// (counters, the MAC table). All of it runs on the datapath thread, between bursts.
#include <net/if.h>
#include <string.h>
#include <sys/epoll.h>

#include <algorithm>
#include <stdexcept>

#include "dp/datapath.h"
#include "port/af_packet_port.h"
#include "port/mem_port.h"
#include "port/tap_port.h"

namespace nodeswitch {

void Datapath::handle_link_events() {
  bool resync;
  std::vector<LinkEvent> events = monitor_.read(&resync);
  for (const LinkEvent& ev : events) {
    for (uint16_t s : active_) {
      PortSlot& slot = *slots_[s];
      // TAP ports live as long as their fd; moving one into a namespace looks like
      // a deletion here, so only AF_PACKET ports follow link events.
      if (slot.type != PortType::kAfPacket) continue;
      if (ev.kind == LinkEvent::kDel && slot.port && ev.ifindex == slot.ifindex) {
        mark_down(s, "netdev " + slot.name + " removed");
      } else if (ev.kind == LinkEvent::kNew && slot.port && ev.ifindex == slot.ifindex) {
        set_link(s, ev.running);
      } else if (ev.kind == LinkEvent::kNew && !slot.port && ev.name == slot.name) {
        try_reopen(s);
      }
    }
  }
  if (resync) {
    for (uint16_t s : active_) {
      PortSlot& slot = *slots_[s];
      if (slot.type != PortType::kAfPacket) continue;
      int idx = int(if_nametoindex(slot.name.c_str()));
      if (slot.port && idx != slot.ifindex) mark_down(s, "netdev " + slot.name + " removed");
      else if (slot.port) set_link(s, netdev_running(slot.name));
      if (!slot.port && idx != 0) try_reopen(s);
    }
  }
}

// Carrier or admin state of an attached afpacket port changed. The socket stays
// open (the kernel rebinds it when the link comes back); while down, the port takes
// no output and what was learned on it is forgotten, as a Linux bridge does.
void Datapath::set_link(uint16_t s, bool up) {
  PortSlot& slot = *slots_[s];
  if (slot.link_up == up) return;
  slot.link_up = up;
  if (up) {
    slot.port->clear_error();
    push_event({true, slot.ofport, "link " + slot.name + " up"});
  } else {
    slot.counters.link_downs++;
    macs_.flush_port(s);
    push_event({false, slot.ofport, "link " + slot.name + " down"});
  }
}

void Datapath::mark_down(uint16_t s, const std::string& reason) {
  PortSlot& slot = *slots_[s];
  if (!slot.port) return;
  if (slot.port->fd() >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, slot.port->fd(), nullptr);
  slot.port.reset();
  slot.ready = false;
  macs_.flush_port(s);
  // A veth being deleted loses its carrier first: that already said "down".
  if (slot.link_up) {
    slot.counters.link_downs++;
    push_event({false, slot.ofport, reason});
  }
  slot.link_up = false;
}

bool Datapath::try_reopen(uint16_t s) {
  PortSlot& slot = *slots_[s];
  try {
    open_port(slot);
  } catch (const std::exception&) {
    return false;  // not usable yet; the next link event tries again
  }
  watch(s);
  // A device that comes back without carrier yet reports up with its link event.
  if (slot.link_up) push_event({true, slot.ofport, "netdev " + slot.name + " is back"});
  return true;
}

void Datapath::open_port(PortSlot& s) {
  switch (s.type) {
    case PortType::kAfPacket:
      s.port = std::make_unique<AfPacketPort>(s.name);
      s.link_up = netdev_running(s.name);
      break;
    case PortType::kTap: s.port = std::make_unique<TapPort>(*s.tap); break;
    case PortType::kMem: s.port = std::make_unique<MemPort>(); break;
    case PortType::kPcap: s.port = std::make_unique<PcapPort>(*s.pcap); break;
  }
  s.ifindex = s.port->ifindex();
}

void Datapath::watch(uint16_t slot) {
  PortSlot& s = *slots_[slot];
  s.ready = true;  // input may have arrived before we started watching
  if (s.port->fd() < 0) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = slot;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, s.port->fd(), &ev) < 0) {
    throw std::runtime_error("epoll_ctl: " + std::string(strerror(errno)));
  }
}

int Datapath::find_slot(uint16_t ofport) const {
  for (uint16_t s : active_) {
    if (slots_[s]->ofport == ofport) return s;
  }
  return -1;
}

PortSlot& Datapath::require_port(uint16_t ofport) {
  int s = find_slot(ofport);
  if (s < 0) throw std::runtime_error("no port with ofport " + std::to_string(ofport));
  return *slots_[s];
}

void Datapath::add_port(const std::string& name, PortType type, uint16_t ofport, bool allow_missing, const TapPort::Options* tap) {
  if (find_slot(ofport) >= 0) throw std::runtime_error("ofport " + std::to_string(ofport) + " is already taken");
  for (uint16_t s : active_) {
    if (slots_[s]->name == name) throw std::runtime_error("port " + name + " is already on bridge " + name_);
  }
  auto slot = std::make_unique<PortSlot>();
  slot->ofport = ofport;
  slot->name = name;
  slot->type = type;
  if (type == PortType::kTap) {
    slot->tap = std::make_unique<TapPort::Options>(tap ? *tap : TapPort::Options{});
    slot->tap->name = name;
  }
  bool missing = allow_missing && type == PortType::kAfPacket && if_nametoindex(name.c_str()) == 0;
  if (missing) slot->link_up = false;
  else open_port(*slot);  // throws with the reason; nothing changed yet
  uint16_t index = 0;
  while (index < slots_.size() && slots_[index]) index++;
  if (index >= 0xfff0) throw std::runtime_error("too many ports");
  if (index == slots_.size()) slots_.emplace_back();
  slots_[index] = std::move(slot);
  try {
    if (!missing) watch(index);
  } catch (...) {
    slots_[index].reset();
    throw;
  }
  active_.push_back(index);
  slot_of_ofport_[ofport] = index;
}

void Datapath::delete_port(uint16_t ofport, bool for_good) {
  int s = find_slot(ofport);
  if (s < 0) throw std::runtime_error("no port with ofport " + std::to_string(ofport));
  PortSlot& slot = *slots_[s];
  if (for_good && slot.type == PortType::kTap && slot.port) static_cast<TapPort*>(slot.port.get())->remove();
  if (slot.port && slot.port->fd() >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, slot.port->fd(), nullptr);
  macs_.flush_port(uint16_t(s));
  if (slot.capture) finish_capture(slot, "port deleted");
  slot_of_ofport_[slot.ofport] = kNoSlot;
  slots_[s].reset();
  active_.erase(std::find(active_.begin(), active_.end(), uint16_t(s)));
}

void Datapath::close_all_ports() {
  while (!active_.empty()) delete_port(slots_[active_.back()]->ofport, false);
}

void Datapath::configure(uint32_t mac_aging, uint32_t mac_table_size) {
  mac_aging_ = mac_aging;
  if (mac_table_size != macs_.capacity()) counters_.evicted += macs_.resize(mac_table_size);
  counters_.aged += macs_.expire(now_seconds(), mac_aging_);
}

std::vector<FdbSnapshot> Datapath::fdb() const {
  std::vector<FdbSnapshot> out;
  uint32_t now = now_seconds();
  macs_.for_each([&](const MacTable::Entry& e) {
    out.push_back({e.mac, e.vlan, slots_[e.port]->ofport, now - e.last_seen});
  });
  return out;
}

std::vector<PortSnapshot> Datapath::port_stats() {
  std::vector<PortSnapshot> out;
  for (uint16_t s : active_) {
    PortSlot& slot = *slots_[s];
    if (slot.port) slot.port->poll_counters(slot.counters);
    out.push_back({slot.ofport, usable(slot), slot.ifindex, slot.counters});
  }
  return out;
}

int Datapath::ifindex_of(uint16_t ofport) const {
  int s = find_slot(ofport);
  return s < 0 ? 0 : slots_[s]->ifindex;
}

const char* Datapath::tap_origin(uint16_t ofport) const {
  int s = find_slot(ofport);
  if (s < 0 || slots_[s]->type != PortType::kTap || !slots_[s]->port) return nullptr;
  switch (static_cast<const TapPort*>(slots_[s]->port.get())->origin()) {
    case TapPort::Origin::kCreated: return "created";
    case TapPort::Origin::kAttached: return "attached";
    case TapPort::Origin::kAttachedElsewhere: return "attached in another network namespace";
  }
  return nullptr;
}

void Datapath::inject(uint16_t ofport, std::vector<MemPort::InFrame>&& frames) {
  PortSlot& slot = require_port(ofport);
  auto* mem = dynamic_cast<MemPort*>(slot.port.get());
  if (!mem) throw std::runtime_error("port " + slot.name + " is not a mem port");
  mem->inject(std::move(frames));
  uint16_t s = uint16_t(find_slot(ofport));
  while (mem->rx_pending()) poll_port(s);
}

std::vector<std::vector<uint8_t>> Datapath::drain(uint16_t ofport) {
  PortSlot& slot = require_port(ofport);
  auto* mem = dynamic_cast<MemPort*>(slot.port.get());
  if (!mem) throw std::runtime_error("port " + slot.name + " is not a mem port");
  return mem->drain();
}

}  // namespace nodeswitch
