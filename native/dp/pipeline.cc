#include "dp/pipeline.h"

#include <algorithm>
#include <cstring>

#include "dp/meter_table.h"
#include "table/classifier.h"

namespace nodeswitch {

namespace {

uint64_t metadata_of(const FlowKey& k) { return uint64_t(k.metadata_hi) << 32 | k.metadata_lo; }

void set_metadata(FlowKey& k, uint64_t v) {
  k.metadata_hi = uint32_t(v >> 32);
  k.metadata_lo = uint32_t(v);
}

bool tcp_or_udp(const FlowKey& k) {
  return k.l4_ofs != kOfsAbsent && !(k.nw_frag & kNwFragLater) && (k.nw_proto == 6 || k.nw_proto == 17);
}

bool is_ip4(const FlowKey& k) { return k.dl_type == 0x0800 && k.l3_ofs != kOfsAbsent; }
bool is_ip6(const FlowKey& k) { return k.dl_type == 0x86dd && k.l3_ofs != kOfsAbsent; }

bool any_bits(const FlowKey& k) {
  const auto* b = reinterpret_cast<const uint8_t*>(&k);
  for (size_t i = 0; i < sizeof k; i++) {
    if (b[i]) return true;
  }
  return false;
}

// What a rewrite does to the key, mirroring packet_edit.cc on the packet, so that
// later lookups see the packet as it will be. Returns false when the packet is
// dropped here (dec_ttl at 1 or 0).
bool apply_to_key(FlowKey& k, const OfAction& a) {
  const bool ip = is_ip4(k) || is_ip6(k);
  switch (a.code) {
    case OpCode::kSetEthSrc: std::memcpy(k.dl_src.b, a.bytes, 6); break;
    case OpCode::kSetEthDst: std::memcpy(k.dl_dst.b, a.bytes, 6); break;
    case OpCode::kSetVlanVid:
      if (k.vlan_tci & kVlanPresent) k.vlan_tci = uint16_t((k.vlan_tci & 0xf000) | (a.u32 & 0x0fff));
      break;
    case OpCode::kSetVlanPcp:
      if (k.vlan_tci & kVlanPresent) k.vlan_tci = uint16_t((k.vlan_tci & 0x1fff) | ((a.u32 & 7) << 13));
      break;
    case OpCode::kPushVlan:
      k.inner_vlan_tci = k.vlan_tci;
      k.inner_vlan_tpid = k.vlan_tpid;
      k.vlan_tci = kVlanPresent;  // VID 0, PCP 0: as packet_edit.cc pushes it
      k.vlan_tpid = uint16_t(a.u32);
      break;
    case OpCode::kPopVlan:
      if (k.vlan_tci & kVlanPresent) {
        k.vlan_tci = k.inner_vlan_tci;
        k.vlan_tpid = k.inner_vlan_tpid;
        k.inner_vlan_tci = k.inner_vlan_tpid = 0;
      }
      break;
    case OpCode::kSetIpv4Src:
      if (is_ip4(k)) k.nw_src = a.u32;
      break;
    case OpCode::kSetIpv4Dst:
      if (is_ip4(k)) k.nw_dst = a.u32;
      break;
    case OpCode::kSetIpv6Src:
      if (is_ip6(k)) std::memcpy(k.ipv6_src, a.bytes, 16);
      break;
    case OpCode::kSetIpv6Dst:
      if (is_ip6(k)) std::memcpy(k.ipv6_dst, a.bytes, 16);
      break;
    case OpCode::kSetIpDscp:
      if (ip) k.nw_tos = uint8_t((a.u32 << 2) | (k.nw_tos & 3));
      break;
    case OpCode::kSetIpEcn:
      if (ip) k.nw_tos = uint8_t((k.nw_tos & 0xfc) | (a.u32 & 3));
      break;
    case OpCode::kSetIpTtl:
      if (ip) k.nw_ttl = uint8_t(a.u32);
      break;
    case OpCode::kDecTtl:
      if (ip) {
        if (k.nw_ttl <= 1) return false;
        k.nw_ttl--;
      }
      break;
    case OpCode::kSetTpSrc:
      if (tcp_or_udp(k)) k.tp_src = uint16_t(a.u32);
      break;
    case OpCode::kSetTpDst:
      if (tcp_or_udp(k)) k.tp_dst = uint16_t(a.u32);
      break;
    case OpCode::kSetInPort: k.in_port = a.u32; break;
    case OpCode::kSetMetadata: set_metadata(k, (metadata_of(k) & ~a.u64b) | (a.u64 & a.u64b)); break;
    default: break;
  }
  return true;
}

// The key bits apply_to_key reads to decide whether (and how) a rewrite applies:
// they go into the megaflow's mask. `set` gets the bits it sets to a constant.
void consulted_by_rewrite(const FlowKey& k, const OfAction& a, FlowKey* wc, FlowKey* set) {
  auto l3 = [&] {
    wc->dl_type = 0xffff;
    wc->l3_ofs = 0xffff;
  };
  switch (a.code) {
    case OpCode::kSetEthSrc: std::memset(set->dl_src.b, 0xff, 6); break;
    case OpCode::kSetEthDst: std::memset(set->dl_dst.b, 0xff, 6); break;
    case OpCode::kSetVlanVid:
      wc->vlan_tci |= kVlanPresent;
      if (k.vlan_tci & kVlanPresent) set->vlan_tci |= 0x0fff;
      break;
    case OpCode::kSetVlanPcp:
      wc->vlan_tci |= kVlanPresent;
      if (k.vlan_tci & kVlanPresent) set->vlan_tci |= 0xe000;
      break;
    case OpCode::kPushVlan:
    case OpCode::kPopVlan:
      // Tags move between the outer and inner fields: both, whole.
      wc->vlan_tci = wc->vlan_tpid = wc->inner_vlan_tci = wc->inner_vlan_tpid = 0xffff;
      break;
    case OpCode::kSetIpv4Src:
      l3();
      if (is_ip4(k)) set->nw_src = ~0u;
      break;
    case OpCode::kSetIpv4Dst:
      l3();
      if (is_ip4(k)) set->nw_dst = ~0u;
      break;
    case OpCode::kSetIpv6Src:
      l3();
      if (is_ip6(k)) std::memset(set->ipv6_src, 0xff, 16);
      break;
    case OpCode::kSetIpv6Dst:
      l3();
      if (is_ip6(k)) std::memset(set->ipv6_dst, 0xff, 16);
      break;
    case OpCode::kSetIpDscp:
      l3();
      set->nw_tos |= 0xfc;
      break;
    case OpCode::kSetIpEcn:
      l3();
      set->nw_tos |= 0x03;
      break;
    case OpCode::kSetIpTtl:
      l3();
      set->nw_ttl = 0xff;
      break;
    case OpCode::kDecTtl:
      l3();
      wc->nw_ttl = 0xff;
      break;
    case OpCode::kSetTpSrc:
    case OpCode::kSetTpDst:
      wc->dl_type = 0xffff;
      wc->l4_ofs = 0xffff;
      wc->nw_proto = 0xff;
      wc->nw_frag |= kNwFragLater;
      if (tcp_or_udp(k)) (a.code == OpCode::kSetTpSrc ? set->tp_src : set->tp_dst) = 0xffff;
      break;
    case OpCode::kSetInPort: set->in_port = ~0u; break;
    case OpCode::kSetMetadata: {
      uint64_t m = metadata_of(*set) | a.u64b;
      set_metadata(*set, m);
      break;
    }
    default: break;
  }
}

// Rounds the IPv4 address prefixes prefix tracking consulted up to a multiple of
// `granularity` bits: /13 and /14 of nw_src become one mask, /16. A megaflow lookup
// costs one probe per distinct mask (~20 ns each here), and the trie's exact bit
// counts would make a mask per prefix length per field; rounding trades generality
// for fewer masks. replay-classifier-l3, same minute of the noisy dev VM: 34 masks
// and 1.7 Mpps unrounded, 9 masks and 3.0 Mpps at 8 bits, 2 masks and 5.9 Mpps at 32.
void round_prefixes(FlowKey* wc, uint32_t granularity) {
  if (granularity <= 1) return;
  for (uint32_t* field : {&wc->nw_src, &wc->nw_dst}) {
    const uint32_t m = *field;
    if (!m) continue;
    const uint32_t ones = m == ~0u ? 32 : uint32_t(__builtin_clz(~m));
    if ((m << (ones & 31)) != 0 && ones != 32) continue;  // not a prefix: a rule's own mask, leave it
    const uint32_t bits = std::min<uint32_t>(32, (ones + granularity - 1) / granularity * granularity);
    *field = bits == 32 ? ~0u : ~0u << (32 - bits);
  }
}

// OpenFlow 1.3's order for the action set (5.10): pop, push, dec TTL, set, output.
int action_set_rank(OpCode c) {
  switch (c) {
    case OpCode::kPopVlan: return 0;
    case OpCode::kPushVlan: return 1;
    case OpCode::kDecTtl: return 2;
    case OpCode::kOutput:
    case OpCode::kInPort:
    case OpCode::kNormal:
    case OpCode::kFlood:
    case OpCode::kAll:
    case OpCode::kLocal:
    case OpCode::kController:
    case OpCode::kGroup: return 4;
    default: return 3;
  }
}

}  // namespace

Pipeline::Pipeline(FlowTables& tables) : tables_(tables) {}

void Pipeline::Xlate::reset(const FlowKey& k) {
  key = k;
  std::memset(&wc, 0, sizeof wc);
  wc.in_port = ~0u;  // always exact, as in Open vSwitch's megaflows
  std::memset(&rewritten, 0, sizeof rewritten);
  moved = false;
  ops.clear();
  credits.clear();
  group_credits.clear();
  liveness = false;
  visits.clear();
  seen.clear();
  action_set.clear();
  depth = 0;
  dropped = miss = in_miss_flow = false;
  steps = nullptr;
}

// ---- lookup: the caches, then translation ----------------------------------------

Program Pipeline::lookup(const FlowKey& key, uint64_t now_ms) {
  if (generation_ != tables_.generation()) revalidate();
  // The last key is a one-entry exact-match cache: off with the exact-match cache.
  if (last_ && last_->serial == last_serial_ && std::memcmp(&key, &last_key_, sizeof key) == 0) {
    stats_.exact_hits++;
    return program_of(last_);
  }
  Megaflow* mf = nullptr;
  uint32_t hash = 0;
  // With one or two megaflow masks a megaflow lookup costs what an exact-match one
  // does (it hashes and compares only the masks' words, not all 140 bytes): the
  // exact-match cache would only add a second lookup to every miss.
  //
  // And while the exact-match cache hits less than one lookup in eight (over its last
  // kExactWindow lookups: a million one-packet flows), only one packet in sixteen
  // tries it: enough to notice when it
  // starts to pay again, without hashing every key for nothing (replay-classifier-l3:
  // ~15% faster).
  const bool exact =
      config_.exact_match && megaflows_.subtable_count() > kExactBypassMasks && (!exact_sampling_ || (++exact_sample_ & 15) == 0);
  if (exact) {
    hash = cache_.hash(key);
    const ExactResult* r = cache_.find(key, hash);
    if (r && r->megaflow->serial == r->serial) {
      mf = r->megaflow;
      exact_window_hits_++;
    }
    if (++exact_window_lookups_ == kExactWindow) {
      exact_sampling_ = exact_window_hits_ * 8 < kExactWindow;
      exact_window_lookups_ = exact_window_hits_ = 0;
    }
  }
  if (mf) {
    stats_.exact_hits++;
  } else {
    stats_.exact_misses++;
    MegaflowNode* n = megaflows_.lookup(key);
    bool enter = true;
    if (n) {
      mf = static_cast<Megaflow*>(n);
      stats_.megaflow_hits++;
      insert_rng_ ^= insert_rng_ << 13;
      insert_rng_ ^= insert_rng_ >> 17;
      insert_rng_ ^= insert_rng_ << 5;
      enter = insert_rng_ % config_.exact_insert_inv_prob == 0;
    } else {
      stats_.megaflow_misses++;
      translate(key, nullptr);
      mf = install(key, now_ms);
      if (!mf) return scratch_program();
    }
    if (exact && enter) cache_.insert(key, hash, ExactResult{mf, mf->serial});
  }
  if (config_.exact_match) {
    last_ = mf;
    last_serial_ = mf->serial;
    last_key_ = key;
  }
  return program_of(mf);
}

Program Pipeline::program_of(Megaflow* mf) {
  Program p;
  p.ops = mf->ops.data();
  p.n_ops = uint32_t(mf->ops.size());
  p.credits = mf->credits.data();
  p.n_credit = uint32_t(mf->credits.size());
  p.table_miss = mf->table_miss;
  p.megaflow = mf;
  p.group_credits = mf->group_credits.data();
  p.n_group_credit = uint32_t(mf->group_credits.size());
  return p;
}

Program Pipeline::scratch_program() const {
  Program p;
  p.ops = x_.ops.data();
  p.n_ops = uint32_t(x_.ops.size());
  p.credits = x_.credits.data();
  p.n_credit = uint32_t(x_.credits.size());
  p.table_miss = x_.miss;
  p.group_credits = x_.group_credits.data();
  p.n_group_credit = uint32_t(x_.group_credits.size());
  return p;
}

const Megaflow* Pipeline::find_megaflow(const FlowKey& key) {
  if (generation_ != tables_.generation()) revalidate();
  for (const Megaflow& mf : pool_) {
    if (!mf.live) continue;
    bool match = true;
    for (int i = 0; i < kFlowKeyWords && match; i++) {
      match = ((flow_key_word(key, i) & flow_key_word(mf.mask, i)) == flow_key_word(mf.key, i));
    }
    if (match) return &mf;
  }
  return nullptr;
}

Program Pipeline::trace(const FlowKey& key, std::vector<TraceStep>* steps, FlowKey* wc) {
  if (generation_ != tables_.generation()) revalidate();
  Program p = translate(key, steps);
  if (wc) {
    if (config_.megaflows) *wc = x_.wc;
    else std::memset(wc, 0xff, sizeof *wc);  // cached translations are exact
  }
  return p;
}

Program Pipeline::translate(const FlowKey& key, std::vector<TraceStep>* steps) {
  stats_.translations++;
  x_.reset(key);
  x_.steps = steps;
  table(x_, 0);
  if (!x_.dropped) action_set(x_);
  return scratch_program();
}

Program Pipeline::translate_actions(const FlowKey& key, const std::vector<OfAction>& list) {
  if (generation_ != tables_.generation()) revalidate();
  x_.reset(key);
  actions(x_, list.data(), list.size(), 0, 0);
  return scratch_program();
}

// ---- megaflows --------------------------------------------------------------------

Megaflow* Pipeline::install(const FlowKey& key, uint64_t now_ms) {
  if (!config_.megaflows && !config_.exact_match) return nullptr;  // the uncached pipeline
  if (megaflows_.size() >= config_.limit) return nullptr;
  Megaflow* mf;
  if (free_.empty()) {
    mf = &pool_.emplace_back();
  } else {
    mf = free_.back();
    free_.pop_back();
  }
  mf->live = true;
  mf->key = key;
  // Without megaflows, each cached translation is exact: the mask is the whole key.
  if (config_.megaflows) {
    FlowKey wc = x_.wc;
    // Under mask pressure (a quarter of max_masks already), a consulted address is
    // consulted whole: the fine masks prefix tracking makes stop multiplying.
    const bool pressed = megaflows_.subtable_count() >= config_.max_masks / 4;
    round_prefixes(&wc, pressed ? 32 : config_.prefix_granularity);
    mf->mask = megaflows_.coalesce(wc, config_.max_masks);
  } else std::memset(&mf->mask, 0xff, sizeof mf->mask);
  mf->ops = x_.ops;
  mf->credits = x_.credits;
  mf->group_credits = x_.group_credits;
  mf->liveness = x_.liveness;
  mf->table_miss = x_.miss;
  mf->visits = x_.visits;
  mf->seen = x_.seen;
  mf->n_packets = mf->n_bytes = mf->pushed_packets = mf->pushed_bytes = 0;
  mf->used_ms = mf->created_ms = now_ms;
  megaflows_.insert(mf, mf->mask);
  stats_.megaflows_added++;
  return mf;
}

void Pipeline::drop(Megaflow* mf) {
  const uint64_t dp = mf->n_packets - mf->pushed_packets, db = mf->n_bytes - mf->pushed_bytes;
  if (dp) {
    for (FlowEntry* e : mf->credits) {
      e->n_packets += dp;
      e->n_bytes += db;
      e->last_used_ms = std::max(e->last_used_ms, mf->used_ms);
    }
    for (GroupCounter* g : mf->group_credits) {
      g->n_packets += dp;
      g->n_bytes += db;
    }
  }
  megaflows_.remove(mf);
  mf->live = false;
  mf->serial++;
  mf->ops.clear();
  mf->credits.clear();
  mf->group_credits.clear();
  mf->liveness = false;
  mf->visits.clear();
  mf->seen.clear();
  free_.push_back(mf);
}

void Pipeline::push_stats() {
  for (Megaflow& mf : pool_) {
    if (!mf.live || mf.n_packets == mf.pushed_packets) continue;
    const uint64_t dp = mf.n_packets - mf.pushed_packets, db = mf.n_bytes - mf.pushed_bytes;
    for (FlowEntry* e : mf.credits) {
      e->n_packets += dp;
      e->n_bytes += db;
      e->last_used_ms = std::max(e->last_used_ms, mf.used_ms);
    }
    for (GroupCounter* g : mf.group_credits) {
      g->n_packets += dp;
      g->n_bytes += db;
    }
    mf.pushed_packets = mf.n_packets;
    mf.pushed_bytes = mf.n_bytes;
  }
}

void Pipeline::flush_megaflows() {
  for (Megaflow& mf : pool_) {
    if (mf.live) drop(&mf);
  }
}

void Pipeline::expire(uint64_t now_ms) {
  for (Megaflow& mf : pool_) {
    if (mf.live && now_ms - mf.used_ms >= config_.max_idle_ms) {
      drop(&mf);
      stats_.megaflows_expired++;
    }
  }
  megaflows_.sort_by_hits();
}

void Pipeline::configure(const MegaflowCacheConfig& c) {
  config_ = c;
  flush_megaflows();
  cache_.invalidate_all();
  last_ = nullptr;
}

CacheCounters Pipeline::stats() const {
  CacheCounters s = stats_;
  s.megaflows = megaflows_.size();
  s.megaflow_masks = megaflows_.subtable_count();
  return s;
}

// Whether a rule added since the megaflow was made could change the translation
// of a packet it covers: the rule went into a table the megaflow visited, where it
// missed or hit a rule of no higher priority, and its match overlaps the key that
// table saw.
bool Pipeline::affected(const Megaflow& mf, const std::vector<const FlowEntry*>& adds) const {
  for (const FlowEntry* a : adds) {
    for (const TableVisit& v : mf.visits) {
      if (v.table != a->table) continue;
      if (v.priority >= 0 && a->rule.priority < v.priority) continue;
      if (v.seen == -2) return true;  // a VLAN tag moved: the key the table saw is not known
      if (v.seen < 0) {
        if (overlaps(a->rule.key, a->rule.mask, mf.key, mf.mask)) return true;
        continue;
      }
      // The key after rewrites: the bits they set are known constants, the others
      // are the packet's own, known where the megaflow's mask says.
      const FlowKey& seen = mf.seen[v.seen];
      const FlowKey& set = mf.seen[v.seen + 1];
      FlowKey key, mask;
      auto* kb = reinterpret_cast<uint8_t*>(&key);
      auto* mb = reinterpret_cast<uint8_t*>(&mask);
      const auto* sb = reinterpret_cast<const uint8_t*>(&seen);
      const auto* rb = reinterpret_cast<const uint8_t*>(&set);
      const auto* fb = reinterpret_cast<const uint8_t*>(&mf.mask);
      for (size_t i = 0; i < sizeof(FlowKey); i++) {
        mb[i] = uint8_t((fb[i] & ~rb[i]) | rb[i]);
        kb[i] = uint8_t(sb[i] & mb[i]);
      }
      if (overlaps(a->rule.key, a->rule.mask, key, mask)) return true;
    }
  }
  return false;
}

void Pipeline::revalidate() {
  generation_ = tables_.generation();
  if (tables_.changes_overflowed()) {
    stats_.megaflows_revalidated += megaflows_.size();
    flush_megaflows();
    tables_.end_changes();
    return;
  }
  const std::vector<FlowChange>& changes = tables_.changes();
  if (changes.empty() || megaflows_.size() == 0) {
    tables_.end_changes();
    return;
  }
  std::vector<const FlowEntry*> gone, adds;
  for (const FlowChange& c : changes) (c.kind == FlowChange::kAdd ? adds : gone).push_back(c.entry);
  std::sort(gone.begin(), gone.end());
  for (Megaflow& mf : pool_) {
    if (!mf.live) continue;
    bool bad = false;
    for (const FlowEntry* e : mf.credits) {
      if (std::binary_search(gone.begin(), gone.end(), e)) {
        bad = true;
        break;
      }
    }
    if (bad || affected(mf, adds)) {
      drop(&mf);
      stats_.megaflows_revalidated++;
    } else {
      stats_.megaflows_kept++;
    }
  }
  tables_.end_changes();
}

// ---- translation ------------------------------------------------------------------

void Pipeline::table(Xlate& x, uint8_t t) {
  if (x.dropped) return;
  FlowEntry* e = tables_.lookup(t, x.key, &x.wc);
  TableVisit visit{t, e ? int32_t(e->rule.priority) : -1, -1};
  if (x.moved) {
    visit.seen = -2;
  } else if (any_bits(x.rewritten)) {
    visit.seen = int32_t(x.seen.size());
    x.seen.push_back(x.key);
    x.seen.push_back(x.rewritten);
  }
  x.visits.push_back(visit);
  if (x.steps) x.steps->push_back({t, x.depth, e ? e->id : 0, x.key});
  if (!e) {
    x.miss = true;  // OpenFlow 1.3 without a table-miss flow: drop
    return;
  }
  x.credits.push_back(e);
  bool outer_miss_flow = x.in_miss_flow;
  x.in_miss_flow = is_table_miss_flow(*e);
  actions(x, e->apply.data(), e->apply.size(), t, e->cookie);
  x.in_miss_flow = outer_miss_flow;
  if (x.dropped) return;
  if (e->clear_actions) x.action_set.clear();
  for (const OfAction& a : e->write) {
    // One action of each kind in the set: a later write replaces an earlier one.
    auto same = std::find_if(x.action_set.begin(), x.action_set.end(), [&](const OfAction& b) { return b.code == a.code; });
    if (same != x.action_set.end() && action_set_rank(a.code) != 4) *same = a;
    else x.action_set.push_back(a);
  }
  if (e->write_metadata) {
    set_metadata(x.key, (metadata_of(x.key) & ~e->metadata_mask) | (e->metadata_value & e->metadata_mask));
    set_metadata(x.rewritten, metadata_of(x.rewritten) | e->metadata_mask);
  }
  if (e->goto_table > t) table(x, uint8_t(e->goto_table));
}

bool Pipeline::is_table_miss_flow(const FlowEntry& e) {
  if (e.rule.priority != 0) return false;
  const uint8_t* m = reinterpret_cast<const uint8_t*>(&e.rule.mask);
  for (size_t i = 0; i < sizeof(FlowKey); i++)
    if (m[i]) return false;
  return true;
}

void Pipeline::action_set(Xlate& x) {
  if (x.action_set.empty()) return;
  std::stable_sort(x.action_set.begin(), x.action_set.end(),
                   [](const OfAction& a, const OfAction& b) { return action_set_rank(a.code) < action_set_rank(b.code); });
  // Only one output runs from an action set; the last one written wins, and a group
  // there takes the place of any output (OpenFlow 1.3, 5.10).
  std::vector<OfAction> set;
  const OfAction* output = nullptr;
  const OfAction* group = nullptr;
  for (const OfAction& a : x.action_set) {
    if (a.code == OpCode::kGroup) group = &a;
    else if (action_set_rank(a.code) == 4) output = &a;
    else set.push_back(a);
  }
  if (group) set.push_back(*group);
  else if (output) set.push_back(*output);
  actions(x, set.data(), set.size(), 0, 0);
}

// Fills in what an output op needs from the pipeline's state at this point: NORMAL
// the addresses, VLAN and in_port it learns and looks up with (so it needs no parse
// per packet), the controller its packet-in data, in_port the port now in effect
// (resubmit or set_field may have changed it).
void Pipeline::emit_output(Xlate& x, OfAction op, uint8_t t, uint64_t cookie) {
  switch (op.code) {
    case OpCode::kNormal:
      std::memcpy(op.bytes, x.key.dl_src.b, 6);
      std::memcpy(op.bytes + 6, x.key.dl_dst.b, 6);
      op.port = x.key.in_port;
      // NORMAL learns the source and looks the destination up in the VLAN.
      std::memset(x.wc.dl_src.b, 0xff, 6);
      std::memset(x.wc.dl_dst.b, 0xff, 6);
      x.wc.vlan_tci |= kVlanPresent | 0x0fff;
      // The frame's VID (0: untagged or priority-tagged) in the in_port's VLAN terms
      // (vlan.h; in_port is always exact in the mask). From the controller: as is.
      {
        uint16_t vid = x.key.vlan_tci & kVlanPresent ? x.key.vlan_tci & 0x0fff : 0;
        const PortVlan* pv = vlan_of_ ? vlan_of_(x.key.in_port) : nullptr;
        op.u32 = !pv ? vid : pv->input_valid(vid) ? pv->input_vlan(vid) : kVlanInvalid;
      }
      break;
    case OpCode::kController:
      op.reason = x.in_miss_flow ? kReasonNoMatch : kReasonAction;
      op.table = t;
      op.cookie = cookie;
      break;
    case OpCode::kInPort: op.port = x.key.in_port; break;
    default: break;
  }
  if (!bond_hash_.empty()) bond_consulted(x, op);
  x.ops.push_back(op);
}

// A bond picks the member per packet from these fields (Bond::choose), so the
// megaflow of a packet that may leave by a hashing bond keeps them, as OVS's does.
void Pipeline::bond_consulted(Xlate& x, const OfAction& op) {
  bool any_port = op.code == OpCode::kNormal || op.code == OpCode::kFlood || op.code == OpCode::kAll;
  for (const auto& [ofport, mode] : bond_hash_) {
    if (any_port || ((op.code == OpCode::kOutput || op.code == OpCode::kInPort) && op.port == ofport)) {
      Bond::hash_fields(mode, &x.wc);
    }
  }
}

void Pipeline::set_bond_hash(uint32_t ofport, BondMode mode) {
  clear_bond_hash(ofport);
  if (mode != BondMode::kActiveBackup) bond_hash_.push_back({ofport, mode});
  flush_megaflows();
}

void Pipeline::clear_bond_hash(uint32_t ofport) {
  for (size_t i = 0; i < bond_hash_.size(); i++) {
    if (bond_hash_[i].first == ofport) {
      bond_hash_.erase(bond_hash_.begin() + long(i));
      flush_megaflows();
      return;
    }
  }
}

void Pipeline::rewrite(Xlate& x, const OfAction& a) {
  consulted_by_rewrite(x.key, a, &x.wc, &x.rewritten);
  // set_field to tcp_* / udp_* names its protocol in `port`: on a packet of another
  // (a group bucket, which has no match to check prerequisites), nothing, as in OVS.
  if ((a.code == OpCode::kSetTpSrc || a.code == OpCode::kSetTpDst) && a.port != 0 && x.key.nw_proto != a.port) return;
  if (a.code == OpCode::kPushVlan || a.code == OpCode::kPopVlan) x.moved = true;
  x.ops.push_back(a);
  // TTL expired: OpenFlow's invalid-TTL drop. The dec_ttl op stays in the program so
  // that run_program drops the packet there and counts it.
  if (!apply_to_key(x.key, a)) x.dropped = true;
}

void Pipeline::actions(Xlate& x, const OfAction* list, size_t n, uint8_t t, uint64_t cookie) {
  for (size_t i = 0; i < n && !x.dropped; i++) {
    const OfAction& a = list[i];
    switch (a.code) {
      case OpCode::kOutput: {
        // Reserved ports become their own ops; output:TABLE runs the tables.
        OfAction op = a;
        if (a.port == kOfppInPort) op.code = OpCode::kInPort;
        else if (a.port == kOfppFlood) op.code = OpCode::kFlood;
        else if (a.port == kOfppAll) op.code = OpCode::kAll;
        else if (a.port == kOfppLocal) op.code = OpCode::kLocal;
        else if (a.port == kOfppController) op.code = OpCode::kController, op.u32 = 65535;
        else if (a.port == kOfppNormal) op.code = OpCode::kNormal;
        else if (a.port == kOfppTable) {
          if (x.depth < kMaxDepth) {
            x.depth++;
            table(x, 0);
            x.depth--;
          }
          break;
        } else if (a.port == x.key.in_port || a.port >= kOfppMax) break;  // OpenFlow: not back out of in_port
        emit_output(x, op, t, cookie);
        break;
      }
      case OpCode::kNormal:
      case OpCode::kController:
      case OpCode::kInPort:
      case OpCode::kFlood:
      case OpCode::kAll:
      case OpCode::kLocal: emit_output(x, a, t, cookie); break;
      case OpCode::kResubmit: {
        if (x.depth >= kMaxDepth) break;
        uint32_t saved = x.key.in_port;
        if (a.port != kOfppInPort) {
          x.key.in_port = a.port;
          x.rewritten.in_port = ~0u;
        }
        x.depth++;
        table(x, a.u32 == kResubmitCurrentTable ? t : uint8_t(a.u32));
        x.depth--;
        x.key.in_port = saved;
        break;
      }
      case OpCode::kGroup: group(x, a.u32, t, cookie); break;
      case OpCode::kSetInPort:
      case OpCode::kSetMetadata:
        consulted_by_rewrite(x.key, a, &x.wc, &x.rewritten);
        apply_to_key(x.key, a);
        break;
      case OpCode::kMeter: {
        // Decided per packet at run time (the bucket), from no key field: nothing
        // to add to the wildcards. The slot saves the run time a hash lookup.
        OfAction op = a;
        op.port = meters_ ? meters_->slot_of(a.u32) : kNoMeter;
        x.ops.push_back(op);
        break;
      }
      default:  // rewrites: change the key for later lookups, and the packet
        rewrite(x, a);
        break;
    }
  }
}

}  // namespace nodeswitch
