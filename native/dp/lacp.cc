#include "dp/lacp.h"

#include <cstring>

namespace nodeswitch {

namespace {

// The slow protocols multicast address (802.3 annex 43B): never forwarded by bridges.
constexpr uint8_t kSlowProtocolsDst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

// TLV offsets within the PDU (after the Ethernet header).
constexpr uint32_t kActorTlv = 2, kPartnerTlv = 22, kCollectorTlv = 42, kTerminatorTlv = 58;

uint16_t rd16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void wr16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

// An actor or partner TLV's 18 bytes of information (after type and length).
LacpInfo read_info(const uint8_t* p) {
  LacpInfo i;
  i.sys_priority = rd16(p);
  std::memcpy(i.sys_id.b, p + 2, 6);
  i.key = rd16(p + 8);
  i.port_priority = rd16(p + 10);
  i.port_id = rd16(p + 12);
  i.state = p[14];
  return i;
}

void write_info(uint8_t* p, const LacpInfo& i) {
  wr16(p, i.sys_priority);
  std::memcpy(p + 2, i.sys_id.b, 6);
  wr16(p + 8, i.key);
  wr16(p + 10, i.port_priority);
  wr16(p + 12, i.port_id);
  p[14] = i.state;
}

bool info_equal(const LacpInfo& a, const LacpInfo& b) {
  return a.sys_priority == b.sys_priority && a.sys_id == b.sys_id && a.key == b.key && a.port_priority == b.port_priority &&
         a.port_id == b.port_id && a.state == b.state;
}

// Compares two priority records as the byte strings 802.1AX compares (lower wins).
int compare_priority(const LacpInfo& a, const LacpInfo& b) {
  if (a.sys_priority != b.sys_priority) return a.sys_priority < b.sys_priority ? -1 : 1;
  if (int c = std::memcmp(a.sys_id.b, b.sys_id.b, 6)) return c;
  if (a.port_priority != b.port_priority) return a.port_priority < b.port_priority ? -1 : 1;
  if (a.port_id != b.port_id) return a.port_id < b.port_id ? -1 : 1;
  return 0;
}

}  // namespace

Lacp::Lacp(const MacAddr& sys_id, uint16_t sys_priority, uint16_t key, bool active, bool fast, size_t members)
    : sys_id_(sys_id), sys_priority_(sys_priority), key_(key), active_(active), fast_(fast), members_(members) {
  for (size_t i = 0; i < members; i++) members_[i].port_id = uint16_t(i + 1);
  std::memset(frame_, 0, sizeof frame_);
}

void Lacp::receive(size_t i, const uint8_t* frame, uint32_t len, uint64_t now_ms) {
  LacpMember& m = members_[i];
  m.rx_pdus++;
  const uint8_t* pdu = frame + 14;
  if (len < kFrameLen || pdu[0] != kSlowSubtypeLacp || pdu[kActorTlv] != 1 || pdu[kActorTlv + 1] != 20 || pdu[kPartnerTlv] != 2 ||
      pdu[kPartnerTlv + 1] != 20) {
    m.rx_bad++;
    return;
  }
  m.status = LacpStatus::kCurrent;
  m.rx_expires_ms = now_ms + kLacpRxMultiplier * (fast_ ? kLacpFastTxMs : kLacpSlowTxMs);
  m.partner_view = read_info(pdu + kPartnerTlv + 2);
  LacpInfo actor = read_info(pdu + kActorTlv + 2);
  if (!info_equal(actor, m.partner)) {
    m.partner = actor;
    update_ = true;  // priorities may have changed: attachment is decided again
  }
}

void Lacp::carrier_changed(size_t i, uint64_t now_ms) {
  LacpMember& m = members_[i];
  if (m.status == LacpStatus::kCurrent || active_) set_expired(m, now_ms);
}

bool Lacp::may_enable(size_t i) const {
  const LacpMember& m = members_[i];
  return m.attached && (m.partner.state & kLacpSync);
}

LacpInfo Lacp::actor(size_t i) const {
  const LacpMember& m = members_[i];
  LacpInfo a;
  a.sys_priority = sys_priority_;
  a.sys_id = sys_id_;
  a.key = key_;
  a.port_priority = m.port_priority;
  a.port_id = m.port_id;
  uint8_t s = 0;
  if (active_) s |= kLacpActivity;
  if (fast_) s |= kLacpTimeout;
  if (members_.size() > 1) s |= kLacpAggregation;
  if (m.attached) s |= kLacpSync;
  if (m.attached || !negotiated_) s |= kLacpCollecting | kLacpDistributing;
  if (m.status == LacpStatus::kDefaulted) s |= kLacpDefaulted;
  if (m.status == LacpStatus::kExpired) s |= kLacpExpired;
  a.state = s;
  return a;
}

void Lacp::set_expired(LacpMember& m, uint64_t now_ms) {
  m.status = LacpStatus::kExpired;
  m.partner.state |= kLacpTimeout;
  m.partner.state &= uint8_t(~kLacpSync);
  m.rx_expires_ms = now_ms + kLacpRxMultiplier * kLacpFastTxMs;
  update_ = true;
}

void Lacp::set_defaulted(LacpMember& m) {
  m.partner = LacpInfo{};
  m.status = LacpStatus::kDefaulted;
  update_ = true;
}

// The record a member's link is ranked by: the higher-priority system's view of it
// (ours when our system priority, then MAC, is lower), without key and state.
LacpInfo Lacp::priority_of(size_t i) const {
  const LacpMember& m = members_[i];
  LacpInfo ours = actor(i);
  bool ours_wins = sys_priority_ != m.partner.sys_priority ? sys_priority_ < m.partner.sys_priority
                                                           : std::memcmp(sys_id_.b, m.partner.sys_id.b, 6) < 0;
  LacpInfo p = ours_wins ? ours : m.partner;
  p.key = 0;
  p.state = 0;
  return p;
}

void Lacp::update_attached() {
  update_ = false;
  int lead = -1;
  bool lead_enable = false;
  LacpInfo lead_pri;
  for (size_t i = 0; i < members_.size(); i++) {
    LacpMember& m = members_[i];
    m.attached = false;
    // Our own PDUs coming back: the member is looped to this very bond.
    if (m.partner.sys_id == sys_id_) continue;
    if (m.status == LacpStatus::kDefaulted) continue;
    m.attached = true;
    bool enable = m.partner.state & kLacpSync;
    LacpInfo pri = priority_of(i);
    if (lead < 0 || (enable && !lead_enable) || (enable == lead_enable && compare_priority(pri, lead_pri) < 0)) {
      lead = int(i);
      lead_enable = enable;
      lead_pri = pri;
    }
  }
  negotiated_ = lead >= 0;
  if (lead < 0) return;
  const LacpInfo& lp = members_[size_t(lead)].partner;
  for (LacpMember& m : members_) {
    if (m.partner.key != lp.key || !(m.partner.sys_id == lp.sys_id)) m.attached = false;
  }
}

void Lacp::compose(size_t i, uint8_t* f) const {
  std::memset(f, 0, kFrameLen);
  std::memcpy(f, kSlowProtocolsDst, 6);
  wr16(f + 12, kEthTypeSlowProtocols);
  uint8_t* pdu = f + 14;
  pdu[0] = kSlowSubtypeLacp;
  pdu[1] = 1;  // version
  pdu[kActorTlv] = 1;
  pdu[kActorTlv + 1] = 20;
  write_info(pdu + kActorTlv + 2, actor(i));
  pdu[kPartnerTlv] = 2;
  pdu[kPartnerTlv + 1] = 20;
  write_info(pdu + kPartnerTlv + 2, members_[i].partner);
  pdu[kCollectorTlv] = 3;
  pdu[kCollectorTlv + 1] = 16;  // max delay 0, reserved: zero
  pdu[kTerminatorTlv] = 0;      // terminator and the reserved tail: zero
}

}  // namespace nodeswitch
