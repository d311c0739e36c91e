// LACP (IEEE 802.1AX, formerly 802.3ad clause 43) for one bond: the LACPDUs its
// members exchange with the partner switch, and from them which members may carry
// traffic. The behaviour is Open vSwitch's lib/lacp.c (the partner these tests use),
// written anew:
//
//   - Each member is current (a PDU came within 3 × our tx interval), expired (one
//     interval missed: the partner is assumed to want fast PDUs and out of sync) or
//     defaulted (no partner at all).
//   - Attachment: members with a partner are candidates; the lead is the one whose
//     (higher-priority system's) port priority and id sort first; members whose
//     partner system and key differ from the lead's are left out — they lead to
//     another switch, or another aggregate on it. The bond is negotiated when there
//     is a lead.
//   - A member may be enabled when it is attached and its partner says it is in
//     sync. Actor state: activity (active mode), timeout (fast), aggregation (more
//     than one member), sync (attached), collecting and distributing (attached, or
//     nothing negotiated yet), defaulted, expired.
//   - Transmit: at the partner's requested rate (1 s when its timeout bit is set,
//     30 s otherwise), and at once when what we would say changed from what the
//     partner last told us it knows of us. A passive bond sends nothing until the
//     partner has spoken.
//
// No marker protocol (subtype 2 PDUs are counted as not understood and dropped, as
// OVS does). Touched only by the datapath thread; receive() runs inside the bond's
// ingress stage and only records, run() (between bursts) decides and transmits.
#pragma once

#include <cstdint>
#include <vector>

#include "parse/byte_order.h"

namespace nodeswitch {

constexpr uint16_t kEthTypeSlowProtocols = 0x8809;
constexpr uint8_t kSlowSubtypeLacp = 1;

// LACP actor/partner state bits.
constexpr uint8_t kLacpActivity = 0x01;
constexpr uint8_t kLacpTimeout = 0x02;  // short (fast) timeout
constexpr uint8_t kLacpAggregation = 0x04;
constexpr uint8_t kLacpSync = 0x08;
constexpr uint8_t kLacpCollecting = 0x10;
constexpr uint8_t kLacpDistributing = 0x20;
constexpr uint8_t kLacpDefaulted = 0x40;
constexpr uint8_t kLacpExpired = 0x80;

constexpr uint64_t kLacpFastTxMs = 1000;
constexpr uint64_t kLacpSlowTxMs = 30000;
constexpr uint64_t kLacpRxMultiplier = 3;

// One side's LACP information (host byte order).
struct LacpInfo {
  uint16_t sys_priority = 0;
  MacAddr sys_id{};
  uint16_t key = 0;
  uint16_t port_priority = 0;
  uint16_t port_id = 0;
  uint8_t state = 0;
};

enum class LacpStatus : uint8_t { kCurrent, kExpired, kDefaulted };

struct LacpMember {
  uint16_t port_id = 0;
  uint16_t port_priority = 65535;
  LacpStatus status = LacpStatus::kDefaulted;
  bool attached = false;
  LacpInfo partner;
  LacpInfo partner_view;  // what the partner's last PDU said it knows of us
  uint64_t tx_due_ms = 0;
  uint64_t rx_expires_ms = 0;
  uint64_t rx_pdus = 0, rx_bad = 0, tx_pdus = 0;
};

class Lacp {
 public:
  static constexpr uint32_t kPduLen = 110;             // the LACPDU after the Ethernet header
  static constexpr uint32_t kFrameLen = 14 + kPduLen;  // as sent

  Lacp(const MacAddr& sys_id, uint16_t sys_priority, uint16_t key, bool active, bool fast, size_t members);

  // A slow-protocols frame (whole, from the Ethernet header) arrived on member i.
  void receive(size_t i, const uint8_t* frame, uint32_t len, uint64_t now_ms);
  // Member i's carrier went down or came back.
  void carrier_changed(size_t i, uint64_t now_ms);
  // Timers and attachment; for each member that must send a PDU now, `send(i, frame)`
  // with a kFrameLen frame whose source MAC the caller fills in (bytes 6..11);
  // `carrier[i]`: member i has its link (no PDU goes out of a member without one).
  template <typename F>
  void run(uint64_t now_ms, const bool* carrier, F&& send);

  bool may_enable(size_t i) const;
  bool negotiated() const { return negotiated_; }
  bool active() const { return active_; }
  bool fast() const { return fast_; }
  const MacAddr& sys_id() const { return sys_id_; }
  uint16_t sys_priority() const { return sys_priority_; }
  uint16_t key() const { return key_; }
  LacpInfo actor(size_t i) const;
  const LacpMember& member(size_t i) const { return members_[i]; }

 private:
  void set_expired(LacpMember& m, uint64_t now_ms);
  void set_defaulted(LacpMember& m);
  void update_attached();
  LacpInfo priority_of(size_t i) const;
  void compose(size_t i, uint8_t* frame) const;
  bool may_tx(const LacpMember& m) const { return active_ || m.status != LacpStatus::kDefaulted; }

  MacAddr sys_id_;
  uint16_t sys_priority_;
  uint16_t key_;
  bool active_, fast_;
  bool negotiated_ = false;
  bool update_ = true;
  std::vector<LacpMember> members_;
  uint8_t frame_[kFrameLen];
};

template <typename F>
void Lacp::run(uint64_t now_ms, const bool* carrier, F&& send) {
  for (LacpMember& m : members_) {
    if (m.status == LacpStatus::kDefaulted || now_ms < m.rx_expires_ms) continue;
    if (m.status == LacpStatus::kCurrent) set_expired(m, now_ms);
    else set_defaulted(m);
  }
  if (update_) update_attached();
  for (size_t i = 0; i < members_.size(); i++) {
    LacpMember& m = members_[i];
    if (!may_tx(m) || !carrier[i]) continue;
    LacpInfo a = actor(i);
    const LacpInfo& v = m.partner_view;
    constexpr uint8_t kTxBits = kLacpActivity | kLacpTimeout | kLacpSync | kLacpAggregation;
    bool changed = ((a.state ^ v.state) & kTxBits) || a.port_id != v.port_id || a.port_priority != v.port_priority ||
                   a.key != v.key || a.sys_priority != v.sys_priority || !(a.sys_id == v.sys_id);
    if (now_ms < m.tx_due_ms && !changed) continue;
    m.partner_view = a;  // until the partner says otherwise, it knows what we sent
    compose(i, frame_);
    send(i, frame_);
    m.tx_pdus++;
    m.tx_due_ms = now_ms + (m.partner.state & kLacpTimeout ? kLacpFastTxMs : kLacpSlowTxMs);
  }
}

}  // namespace nodeswitch
