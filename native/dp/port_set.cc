#include "dp/port_set.h"

#include <net/if.h>
#include <string.h>
#include <sys/epoll.h>

#include <algorithm>
#include <stdexcept>

#include "dp/outbox.h"
#include "port/open_port.h"

namespace nodeswitch {

namespace {
// Slot numbers from here up are never ports: kControllerSlot, kNoSlot and room
// for more such markers.
constexpr uint16_t kMaxSlots = 0xfff0;
}  // namespace

PortSet::PortSet(const std::string& bridge, int epoll_fd, Outbox& outbox, std::function<void(uint16_t)> on_down)
    : bridge_(bridge), epoll_fd_(epoll_fd), outbox_(outbox), on_down_(std::move(on_down)), slot_of_ofport_(0x10000, kNoSlot) {}

uint16_t PortSet::require(uint16_t ofport) const {
  uint16_t s = slot_of(ofport);
  if (s == kNoSlot) throw std::runtime_error("no port with ofport " + std::to_string(ofport));
  return s;
}

// ---- adding and removing ------------------------------------------------------

uint16_t PortSet::add(const std::string& name, PortType type, uint16_t ofport, bool allow_missing,
                      std::unique_ptr<PcapPort::Options> pcap, const TapPort::Options* tap) {
  // ofport 0: a bond member, not an OpenFlow port of its own.
  if (ofport != 0 && slot_of(ofport) != kNoSlot)
    throw std::runtime_error("ofport " + std::to_string(ofport) + " is already taken");
  for (uint16_t s : active_) {
    if (slots_[s]->name == name) throw std::runtime_error("port " + name + " is already on bridge " + bridge_);
  }
  auto slot = std::make_unique<PortSlot>();
  slot->ofport = ofport;
  slot->name = name;
  slot->type = type;
  slot->pcap = std::move(pcap);
  if (type == PortType::kTap) {
    slot->tap = std::make_unique<TapPort::Options>(tap ? *tap : TapPort::Options{});
    slot->tap->name = name;
  }
  bool missing = allow_missing && type == PortType::kAfPacket && if_nametoindex(name.c_str()) == 0;
  if (missing) slot->link_up = false;
  else open(*slot);  // throws with the reason; nothing changed yet
  uint16_t index = 0;
  while (index < slots_.size() && slots_[index]) index++;
  if (index >= kMaxSlots) throw std::runtime_error("too many ports");
  if (index == slots_.size()) slots_.emplace_back();
  slot->slot = index;
  slots_[index] = std::move(slot);
  PortSlot& s = *slots_[index];
  try {
    // pcap ports are polled by replay alone, and only when it runs.
    if (!missing && type != PortType::kPcap && type != PortType::kBond) watch(s);
  } catch (...) {
    slots_[index].reset();
    throw;
  }
  active_.push_back(index);
  if (ofport != 0) slot_of_ofport_[ofport] = index;
  return index;
}

void PortSet::remove(uint16_t slot) {
  PortSlot& s = *slots_[slot];
  if (s.port) unwatch(s);
  on_down_(slot);
  if (s.ofport != 0) slot_of_ofport_[s.ofport] = kNoSlot;
  slots_[slot].reset();
  active_.erase(std::find(active_.begin(), active_.end(), slot));
}

void PortSet::open(PortSlot& s) {
  OpenedPort o = open_port(s.type, s.name, s.pcap.get(), s.tap.get());
  s.port = std::move(o.port);
  s.link_up = o.link_up;
  s.ifindex = s.port->ifindex();
}

void PortSet::watch(PortSlot& s) {
  s.ready = true;  // input may have arrived before we started watching
  if (s.port->fd() < 0) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = s.slot;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, s.port->fd(), &ev) < 0) {
    throw std::runtime_error("epoll_ctl: " + std::string(strerror(errno)));
  }
}

void PortSet::unwatch(PortSlot& s) {
  if (s.port->fd() >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, s.port->fd(), nullptr);
}

void PortSet::mark_ready(uint16_t slot, uint32_t epoll_events) {
  if (!has(slot) || !slots_[slot]->port) return;
  if (epoll_events & EPOLLERR) slots_[slot]->port->clear_error();
  slots_[slot]->ready = true;
}

void PortSet::poll_counters() {
  for (uint16_t s : active_) {
    if (slots_[s]->port) slots_[s]->port->poll_counters(slots_[s]->counters);
  }
}

void PortSet::event(bool up, const PortSlot& s, std::string reason) { outbox_.event({up, s.ofport, std::move(reason)}); }

// ---- following the netdevs ----------------------------------------------------

void PortSet::handle_link_events() {
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
void PortSet::set_link(uint16_t s, bool up) {
  PortSlot& slot = *slots_[s];
  if (slot.link_up == up) return;
  slot.link_up = up;
  if (up) {
    slot.port->clear_error();
    event(true, slot, "link " + slot.name + " up");
  } else {
    slot.counters.link_downs++;
    on_down_(s);
    event(false, slot, "link " + slot.name + " down");
  }
}

void PortSet::mark_down(uint16_t s, const std::string& reason) {
  PortSlot& slot = *slots_[s];
  if (!slot.port) return;
  unwatch(slot);
  slot.port.reset();
  slot.ready = false;
  on_down_(s);
  // A veth being deleted loses its carrier first: that already said "down".
  if (slot.link_up) {
    slot.counters.link_downs++;
    event(false, slot, reason);
  }
  slot.link_up = false;
}

bool PortSet::try_reopen(uint16_t s) {
  PortSlot& slot = *slots_[s];
  try {
    open(slot);
  } catch (const std::exception&) {
    return false;  // not usable yet; the next link event tries again
  }
  watch(slot);
  // A device that comes back without carrier yet reports up with its link event.
  if (slot.link_up) event(true, slot, "netdev " + slot.name + " is back");
  return true;
}

}  // namespace nodeswitch
