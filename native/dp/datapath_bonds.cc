// The datapath's bond commands and the per-round bond work (dp/bond.h): adding a
// bond — its own slot plus one member slot per netdev, each member with a BondRx
// stage — deleting one, what bond-show reads, and run_bonds, which folds link and
// LACP state into each bond between bursts.
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "core/clock.h"
#include "dp/datapath.h"
#include "dp/stages/bond_rx.h"

namespace nodeswitch {

namespace {

// The netdev's MAC (LACPDUs go out with it); false when there is none to read.
bool netdev_mac(const std::string& name, MacAddr* mac) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  bool ok = ioctl(s, SIOCGIFHWADDR, &ifr) == 0;
  close(s);
  if (ok) std::memcpy(mac->b, ifr.ifr_hwaddr.sa_data, 6);
  return ok;
}

// A stable, locally administered unicast address from a name (FNV-1a): the LACP
// system ID of a bond, the same across restarts.
MacAddr mac_from_name(const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  MacAddr m;
  for (int i = 0; i < 6; i++) m.b[i] = uint8_t(h >> (8 * i));
  m.b[0] = uint8_t((m.b[0] & 0xfc) | 0x02);
  return m;
}

}  // namespace

void Datapath::add_bond(const BondConfig& given, uint16_t ofport, const std::vector<std::string>& members, PortType member_type,
                        bool allow_missing) {
  if (members.size() < 2) throw std::runtime_error("bond " + given.name + " needs at least two members");
  if (members.size() > 32) throw std::runtime_error("bond " + given.name + " has more than 32 members");
  if (std::set<std::string>(members.begin(), members.end()).size() != members.size()) {
    throw std::runtime_error("bond " + given.name + " names a member twice");
  }
  if (member_type != PortType::kAfPacket && member_type != PortType::kMem) {
    throw std::runtime_error("bond members are afpacket (or mem) ports");
  }
  if (given.mode == BondMode::kBalanceTcp && given.lacp == LacpMode::kOff) {
    throw std::runtime_error("bond " + given.name + ": balance-tcp needs LACP");
  }
  for (uint16_t s : ports_.active()) {
    for (const std::string& m : members) {
      if (ports_[s].name == m) throw std::runtime_error("port " + m + " is already on bridge " + name_);
    }
  }
  BondConfig config = given;
  config.sys_id = mac_from_name(name_ + "/" + given.name);
  config.key = ofport;
  uint16_t bond_slot = ports_.add(config.name, PortType::kBond, ofport, false);
  std::vector<BondMember> bond_members;
  try {
    for (const std::string& m : members) {
      BondMember bm;
      bm.name = m;
      bm.slot = ports_.add(m, member_type, 0, allow_missing);
      bond_members.push_back(bm);
      if (member_type != PortType::kAfPacket || !netdev_mac(m, &bond_members.back().mac)) {
        bond_members.back().mac = mac_from_name(name_ + "/" + m);
      }
    }
  } catch (...) {
    for (const BondMember& bm : bond_members) ports_.remove(bm.slot);
    ports_.remove(bond_slot);
    throw;
  }
  PortSlot& bond = ports_[bond_slot];
  bond.bond = std::make_unique<Bond>(config, bond_members);
  for (size_t i = 0; i < bond_members.size(); i++) {
    PortSlot& member = ports_[bond_members[i].slot];
    member.bond_slot = bond_slot;
    member.ingress.insert(member.ingress.begin(), std::make_unique<BondRx>(*bond.bond, i));
  }
  bond.link_up = bond.bond->run(ports_, now_ms());
  bond_slots_.push_back(bond_slot);
  pipeline_.set_bond_hash(ofport, config.mode);
}

void Datapath::delete_bond(uint16_t slot) {
  PortSlot& bond = ports_[slot];
  for (const BondMember& m : bond.bond->members()) {
    if (ports_[m.slot].capture) captures_.finish(ports_[m.slot], "port deleted");
    ports_.remove(m.slot);
  }
  if (bond.capture) captures_.finish(bond, "port deleted");
  pipeline_.clear_bond_hash(bond.ofport);
  bond_slots_.erase(std::find(bond_slots_.begin(), bond_slots_.end(), slot));
  ports_.remove(slot);
}

void Datapath::run_bonds() {
  uint64_t now = now_ms();
  for (uint16_t s : bond_slots_) {
    PortSlot& slot = ports_[s];
    bool up = slot.bond->run(ports_, now);
    if (up == slot.link_up) continue;
    // The bond itself comes up with its first enabled member and goes down with its
    // last; what was learned on it goes with it.
    slot.link_up = up;
    if (!up) {
      slot.counters.link_downs++;
      forget_slot(s);
    }
    outbox_.event({up, slot.ofport, "bond " + slot.name + (up ? " up" : " down: no member enabled")});
  }
}

std::vector<BondSnapshot> Datapath::bonds() const {
  std::vector<BondSnapshot> out;
  for (uint16_t s : bond_slots_) {
    BondSnapshot b = ports_[s].bond->snapshot(ports_[s].ofport);
    for (size_t i = 0; i < b.members.size(); i++) {
      const PortCounters& c = ports_[ports_[s].bond->members()[i].slot].counters;
      b.members[i].rx_packets = c.rx_packets;
      b.members[i].tx_packets = c.tx_packets;
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace nodeswitch
