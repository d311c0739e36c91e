// A bond: one port of the bridge — one ofport, one MAC-learning port for NORMAL, one
// flood target — carried by several member links, as an Open vSwitch Port with
// several Interfaces. The members are ordinary afpacket slots without an ofport of
// their own (PortSlot::bond_slot names their bond); the bond's own slot
// (PortSlot::bond) has no device (port/bond_port.h).
//
// In. A member's input goes through the member's BondRx stage (stages/bond_rx.h):
// slow-protocols frames (LACP) are taken out there and never reach the pipeline;
// frames the bond must not accept are dropped (below); the rest continue as input
// of the bond — its ofport, its slot for learning (BurstLoop::process).
//
// Out. Whatever is output to the bond (output:N, NORMAL's unicast, a flood) goes
// out of one member, chosen per packet from its flow key (BurstLoop::output_slot):
//   active-backup  the active member; another takes over as soon as it loses its
//                  carrier (or LACP disables it);
//   balance-slb    hash of source MAC and VLAN → one of 256 buckets → a member;
//   balance-tcp    hash of the L3/L4 5-tuple → bucket → member; needs LACP
//                  negotiated (as in OVS: without it nothing is sent).
// The choice is made at run time from the packet's own key, so a member going down
// changes no cached program; translation still marks the hashed fields as consulted
// (Pipeline::set_bond_hash) so that a megaflow covers one hash input, as in OVS.
// Buckets of a member that goes away move to the remaining ones; a member that comes
// back takes buckets from the members with the most.
//
// Which members are enabled: carrier, and with LACP on, what LACP says (dp/lacp.h).
// run() — every round of the datapath thread, between bursts — folds carrier
// changes and LACP's verdicts into the enabled set and sends LACPDUs; the hot path
// only reads `enabled`, `active_` and the buckets.
//
// Admissibility of input (as OVS's bond_check_admissibility): with LACP negotiated,
// any enabled member; with LACP configured but not negotiated, nothing; without
// LACP, active-backup takes input on the active member only, balance-slb takes
// multicast on the active member only. Not done: OVS's balance-slb "drop if the
// source was learned on another port" check, and periodic rebalancing by load.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "dp/lacp.h"
#include "parse/flow_key.h"

namespace nodeswitch {

class PortSet;

// The names TypeScript sees (addon.constants.bondModes, lacpModes, lacpTimes), in
// enum order; test/native/constants.test.ts holds src/bond.ts's lists equal to them.
enum class BondMode : uint8_t { kActiveBackup, kBalanceSlb, kBalanceTcp };
inline constexpr const char* kBondModeNames[] = {"active-backup", "balance-slb", "balance-tcp"};
enum class LacpMode : uint8_t { kActive, kPassive, kOff };
inline constexpr const char* kLacpModeNames[] = {"active", "passive", "off"};
enum class LacpTime : uint8_t { kSlow, kFast };
inline constexpr const char* kLacpTimeNames[] = {"slow", "fast"};

struct BondConfig {
  std::string name;
  BondMode mode = BondMode::kActiveBackup;
  LacpMode lacp = LacpMode::kOff;
  LacpTime lacp_time = LacpTime::kSlow;
  MacAddr sys_id{};  // LACP system ID
  uint16_t key = 0;  // LACP aggregation key
};

struct BondMember {
  uint16_t slot = 0;
  std::string name;
  MacAddr mac{};         // the netdev's address: LACPDUs go out with it
  bool carrier = false;  // the member's link as of the last run()
  bool enabled = false;  // carries traffic
};

// What bond-show reports about a bond.
struct BondMemberSnapshot {
  std::string name;
  bool enabled, carrier, active;
  uint32_t buckets;  // hash buckets it carries (balance modes)
  LacpStatus lacp_status;
  bool attached, may_enable;
  LacpInfo actor, partner;
  uint64_t rx_pdus, rx_bad, tx_pdus;
  uint64_t rx_packets, tx_packets;  // the member's own counters (LACPDUs included)
};
struct BondSnapshot {
  std::string name;
  uint16_t ofport;
  BondMode mode;
  LacpMode lacp;
  LacpTime lacp_time;
  bool negotiated;
  MacAddr sys_id;
  uint16_t sys_priority, key;
  std::vector<BondMemberSnapshot> members;
};

class Bond {
 public:
  static constexpr uint32_t kBuckets = 256;
  static constexpr uint16_t kLacpSysPriority = 65534;  // OVS's default

  Bond(const BondConfig& config, std::vector<BondMember> members);

  // ---- the packet path

  // The member slot `key`'s packet goes out of, or kNoMember (nothing enabled, or
  // balance-tcp without LACP). `key` null (a stage's flood): the active member.
  static constexpr uint16_t kNoMember = 0xffff;
  uint16_t choose(const FlowKey* key) const;
  // Whether member i accepts a (non-LACP) frame with destination `dst`.
  bool admits(size_t i, const uint8_t* dst) const;
  // A slow-protocols frame on member i; taken, never forwarded.
  void receive_slow(size_t i, const uint8_t* frame, uint32_t len);
  // Wildcard bits choose() reads, for translation (Pipeline::set_bond_hash).
  static void hash_fields(BondMode mode, FlowKey* wc);

  // ---- between bursts

  // Folds carrier and LACP into the enabled set, picks the active member, moves
  // buckets, sends LACPDUs. Returns whether any member is enabled.
  bool run(PortSet& ports, uint64_t now_ms);
  BondSnapshot snapshot(uint16_t ofport) const;
  const std::vector<BondMember>& members() const { return members_; }
  const BondConfig& config() const { return config_; }

 private:
  uint32_t hash(const FlowKey& k) const;
  void rebalance();

  BondConfig config_;
  std::vector<BondMember> members_;
  std::unique_ptr<Lacp> lacp_;  // null with LACP off
  int active_ = -1;             // index of the active member, -1 when none
  uint32_t n_enabled_ = 0;
  uint8_t buckets_[kBuckets] = {};   // bucket → member index
  uint64_t now_ms_ = 0;              // as of the last run(): LACP's clock for receive
  std::unique_ptr<bool[]> carrier_;  // members' carrier, for Lacp::run
};

}  // namespace nodeswitch
