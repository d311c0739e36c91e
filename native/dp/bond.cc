#include "dp/bond.h"

#include <cstring>

#include "dp/port_set.h"
#include "table/flow_hash.h"

namespace nodeswitch {

Bond::Bond(const BondConfig& config, std::vector<BondMember> members)
    : config_(config), members_(std::move(members)), carrier_(new bool[members_.size()]()) {
  if (config_.lacp != LacpMode::kOff) {
    lacp_ = std::make_unique<Lacp>(config_.sys_id, kLacpSysPriority, config_.key, config_.lacp == LacpMode::kActive,
                                   config_.lacp_time == LacpTime::kFast, members_.size());
  }
  for (uint32_t b = 0; b < kBuckets; b++) buckets_[b] = uint8_t(b % members_.size());
}

// ---- the packet path -------------------------------------------------------------

uint32_t Bond::hash(const FlowKey& k) const {
  uint64_t a, b;
  if (config_.mode == BondMode::kBalanceSlb) {
    uint64_t mac = 0;
    std::memcpy(&mac, k.dl_src.b, 6);
    a = mac;
    b = uint64_t(k.vlan_tci & 0x0fff);
  } else {
    // The 5-tuple (IPv6 addresses folded in; zero where the packet has none).
    uint64_t v6[4];
    std::memcpy(v6, k.ipv6_src, 16);
    std::memcpy(v6 + 2, k.ipv6_dst, 16);
    a = (uint64_t(k.nw_src) << 32 | k.nw_dst) ^ hash_mum(v6[0] ^ kHashSecret[2], v6[1] ^ kHashSecret[3]);
    b = (uint64_t(k.dl_type) << 40 | uint64_t(k.nw_proto) << 32 | uint32_t(k.tp_src) << 16 | k.tp_dst) ^
        hash_mum(v6[2] ^ kHashSecret[4], v6[3] ^ kHashSecret[5]);
  }
  uint64_t h = hash_mum(a ^ kHashSecret[0], b ^ kHashSecret[1]);
  return uint32_t(h ^ (h >> 32));
}

uint16_t Bond::choose(const FlowKey* key) const {
  if (n_enabled_ == 0) return kNoMember;
  if (config_.mode == BondMode::kActiveBackup || key == nullptr) return active_ < 0 ? kNoMember : members_[size_t(active_)].slot;
  if (config_.mode == BondMode::kBalanceTcp && !(lacp_ && lacp_->negotiated())) return kNoMember;
  return members_[buckets_[hash(*key) % kBuckets]].slot;
}

bool Bond::admits(size_t i, const uint8_t* dst) const {
  if (lacp_) return lacp_->negotiated() && members_[i].enabled;
  if (!members_[i].enabled) return false;
  bool on_active = int(i) == active_;
  if (config_.mode == BondMode::kActiveBackup) return on_active;
  return on_active || !(dst[0] & 1);  // balance-slb: multicast on the active member only
}

void Bond::receive_slow(size_t i, const uint8_t* frame, uint32_t len) {
  if (lacp_ && len > 14 && frame[14] == kSlowSubtypeLacp) lacp_->receive(i, frame, len, now_ms_);
}

void Bond::hash_fields(BondMode mode, FlowKey* wc) {
  switch (mode) {
    case BondMode::kActiveBackup: break;
    case BondMode::kBalanceSlb:
      std::memset(wc->dl_src.b, 0xff, 6);
      wc->vlan_tci |= 0x0fff;
      break;
    case BondMode::kBalanceTcp:
      wc->dl_type = 0xffff;
      wc->nw_proto = 0xff;
      wc->nw_src = wc->nw_dst = 0xffffffff;
      std::memset(wc->ipv6_src, 0xff, 16);
      std::memset(wc->ipv6_dst, 0xff, 16);
      wc->tp_src = wc->tp_dst = 0xffff;
      break;
  }
}

// ---- between bursts ----------------------------------------------------------------

bool Bond::run(PortSet& ports, uint64_t now_ms) {
  now_ms_ = now_ms;
  bool changed = false;
  for (size_t i = 0; i < members_.size(); i++) {
    BondMember& m = members_[i];
    bool carrier = ports[m.slot].usable();
    if (carrier != m.carrier) {
      m.carrier = carrier;
      if (lacp_) lacp_->carrier_changed(i, now_ms);
    }
    carrier_[i] = carrier;
  }
  if (lacp_) {
    lacp_->run(now_ms, carrier_.get(), [&](size_t i, uint8_t* frame) {
      PortSlot& s = ports[members_[i].slot];
      std::memcpy(frame + 6, members_[i].mac.b, 6);
      Packet p{};
      p.data = frame;
      p.len = Lacp::kFrameLen;
      p.in_slot = s.slot;
      Packet* pp = &p;
      s.port->tx_burst(&pp, 1, s.counters);
    });
  }
  n_enabled_ = 0;
  for (size_t i = 0; i < members_.size(); i++) {
    BondMember& m = members_[i];
    bool enabled = m.carrier && (!lacp_ || lacp_->may_enable(i));
    if (enabled != m.enabled) changed = true;
    m.enabled = enabled;
    n_enabled_ += enabled;
  }
  if (active_ >= 0 && !members_[size_t(active_)].enabled) active_ = -1;
  if (active_ < 0) {
    for (size_t i = 0; i < members_.size(); i++) {
      if (members_[i].enabled) {
        active_ = int(i);
        break;
      }
    }
  }
  if (changed) rebalance();
  return n_enabled_ > 0;
}

// Buckets of disabled members go to the enabled member with the fewest; then, while
// some member has more than its share, its buckets go to the one with the fewest
// (a member that came back). Flows on members that stay keep their member.
void Bond::rebalance() {
  if (n_enabled_ == 0) return;
  uint32_t count[256] = {};
  for (uint32_t b = 0; b < kBuckets; b++) count[buckets_[b]]++;
  auto fewest = [&]() {
    size_t best = members_.size();
    for (size_t i = 0; i < members_.size(); i++) {
      if (members_[i].enabled && (best == members_.size() || count[i] < count[best])) best = i;
    }
    return best;
  };
  for (uint32_t b = 0; b < kBuckets; b++) {
    if (members_[buckets_[b]].enabled) continue;
    count[buckets_[b]]--;
    size_t to = fewest();
    buckets_[b] = uint8_t(to);
    count[to]++;
  }
  uint32_t share = (kBuckets + n_enabled_ - 1) / n_enabled_;
  for (uint32_t b = 0; b < kBuckets; b++) {
    size_t from = buckets_[b];
    if (count[from] <= share) continue;
    size_t to = fewest();
    if (count[to] + 1 >= count[from]) continue;
    count[from]--;
    buckets_[b] = uint8_t(to);
    count[to]++;
  }
}

BondSnapshot Bond::snapshot(uint16_t ofport) const {
  BondSnapshot s{config_.name,      ofport,
                 config_.mode,      config_.lacp,
                 config_.lacp_time, lacp_ && lacp_->negotiated(),
                 config_.sys_id,    kLacpSysPriority,
                 config_.key,       {}};
  uint32_t count[256] = {};
  for (uint32_t b = 0; b < kBuckets; b++) count[buckets_[b]]++;
  for (size_t i = 0; i < members_.size(); i++) {
    const BondMember& m = members_[i];
    BondMemberSnapshot ms{};
    ms.name = m.name;
    ms.enabled = m.enabled;
    ms.carrier = m.carrier;
    ms.active = int(i) == active_;
    ms.buckets = config_.mode == BondMode::kActiveBackup || !m.enabled ? 0 : count[i];
    ms.lacp_status = LacpStatus::kDefaulted;
    if (lacp_) {
      const LacpMember& l = lacp_->member(i);
      ms.lacp_status = l.status;
      ms.attached = l.attached;
      ms.may_enable = lacp_->may_enable(i);
      ms.actor = lacp_->actor(i);
      ms.partner = l.partner;
      ms.rx_pdus = l.rx_pdus;
      ms.rx_bad = l.rx_bad;
      ms.tx_pdus = l.tx_pdus;
    }
    s.members.push_back(ms);
  }
  return s;
}

}  // namespace nodeswitch
