// One port of a bridge as the datapath holds it: its driver, its state, its
// counters, its output queue and its per-port stages.
//
// Two numbers name a port and they are never mixed: its `slot`, the index into the
// datapath's port table (dense, reused, internal: MAC table entries, Packet::in_slot,
// output queues), and its `ofport`, the OpenFlow port number the user and the rules
// see (FlowKey::in_port, output:N). PortSet maps one to the other.
//
// Touched only by the datapath thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/packet.h"
#include "dp/bond.h"
#include "dp/capture.h"
#include "dp/of_action.h"
#include "dp/stages/egress.h"
#include "dp/stages/ingress.h"
#include "dp/vlan.h"
#include "dp/stages/shaper.h"
#include "port/pcap_port.h"
#include "port/port.h"
#include "port/port_type.h"
#include "port/tap_port.h"

namespace nodeswitch {

// No port: what PortSet::slot_of says for an ofport no port has.
constexpr uint16_t kNoSlot = 0xffff;
// The ingress "slot" of a packet from the controller (packet-out): matches no port,
// so no port is excluded from flooding and NORMAL learns nothing from it.
constexpr uint16_t kControllerSlot = 0xfffe;

// The OpenFlow 1.3 port number of a datapath ofport (LOCAL is 32-bit there), and back.
inline uint32_t openflow_port(uint16_t ofport) { return ofport == kLocalOfport ? kOfppLocal : ofport; }

struct PortSlot {
  uint16_t slot = 0;    // this entry's index in the port table
  uint16_t ofport = 0;  // its OpenFlow port number
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
  // Per-port stages, run in order (contracts in stages/ingress.h and egress.h);
  // empty for a plain port.
  std::vector<std::unique_ptr<IngressStage>> ingress;
  std::vector<std::unique_ptr<EgressStage>> egress;
  PortVlan vlan;                            // tag, trunks, vlan_mode: what NORMAL does with this port (dp/vlan.h)
  std::unique_ptr<Shaper> shaper;           // set-qos: paces the output, after the egress stages
  std::unique_ptr<PcapPort::Options> pcap;  // kPcap: its files
  std::unique_ptr<TapPort::Options> tap;    // kTap: persistence, MAC, where to look
  std::unique_ptr<PortCapture> capture;     // a live capture of this port, if any
  // Bonds (dp/bond.h). A member has no ofport (0) and names its bond's slot: its
  // input is the bond's. The bond's own slot holds the bond.
  uint16_t bond_slot = kNoSlot;
  std::unique_ptr<Bond> bond;

  // Takes output: attached and with its link up.
  bool usable() const { return port && link_up; }
};

}  // namespace nodeswitch
