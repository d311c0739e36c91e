// FlowKey → JS object. Glue only: formatting and naming, no parsing decisions.
#include "addon/flow_key_js.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstdio>

namespace nodeswitch {

std::string mac_text(const MacAddr& m) {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
  return s;
}

namespace {

std::string ipv4_text(uint32_t host_order) {
  const uint32_t net = htonl(host_order);
  char s[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &net, s, sizeof s);
}

std::string ipv6_text(const uint8_t a[16]) {
  char s[INET6_ADDRSTRLEN];  // RFC 5952 compressed form (glibc's inet_ntop)
  return inet_ntop(AF_INET6, a, s, sizeof s);
}

const char* status_text(ParseStatus status) {
  switch (status) {
    case ParseStatus::kOk: return "ok";
    case ParseStatus::kRunt: return "runt";
    case ParseStatus::kBadL3: return "badL3";
  }
  return "unknown";
}

const char* ip_frag_text(uint8_t nw_frag) {
  if (!(nw_frag & kNwFragAny)) return "no";
  return (nw_frag & kNwFragLater) ? "later" : "first";
}

void set_ip_common(Napi::Object o, const FlowKey& k) {
  o.Set("nw_proto", k.nw_proto);
  o.Set("nw_tos", k.nw_tos & 0xfc);  // ovs-ofctl: nw_tos is the DSCP bits in place
  o.Set("nw_ecn", k.nw_tos & 0x03);
  o.Set("ip_dscp", k.nw_tos >> 2);
  o.Set("nw_ttl", k.nw_ttl);
  o.Set("nw_frag", k.nw_frag);
  o.Set("ip_frag", ip_frag_text(k.nw_frag));
}

void set_l4(Napi::Object o, const FlowKey& k, ParseStatus status) {
  switch (k.nw_proto) {
    case 6:
      o.Set("tp_src", k.tp_src);
      o.Set("tp_dst", k.tp_dst);
      o.Set("tcp_flags", k.tcp_flags);
      break;
    case 17:
    case 132:
      o.Set("tp_src", k.tp_src);
      o.Set("tp_dst", k.tp_dst);
      break;
    case 1:
      o.Set("icmp_type", k.tp_src);
      o.Set("icmp_code", k.tp_dst);
      break;
    case 58:
      o.Set("icmpv6_type", k.tp_src);
      o.Set("icmpv6_code", k.tp_dst);
      if (status == ParseStatus::kOk && k.tp_dst == 0 && (k.tp_src == 135 || k.tp_src == 136)) {
        o.Set("nd_target", ipv6_text(k.nd_target));
        if (k.tp_src == 135) o.Set("nd_sll", mac_text(k.nd_sll));
        else o.Set("nd_tll", mac_text(k.nd_tll));
      }
      break;
  }
}

}  // namespace

Napi::Value flow_key_to_js(Napi::Env env, const FlowKey& k, ParseStatus status) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", status_text(status));
  if (status == ParseStatus::kRunt) return o;

  o.Set("dl_src", mac_text(k.dl_src));
  o.Set("dl_dst", mac_text(k.dl_dst));
  o.Set("dl_type", k.dl_type);
  o.Set("vlan_tci", k.vlan_tci);
  o.Set("vlan_tpid", k.vlan_tpid);
  o.Set("inner_vlan_tci", k.inner_vlan_tci);
  o.Set("inner_vlan_tpid", k.inner_vlan_tpid);
  if (k.vlan_tci & kVlanPresent) {
    o.Set("dl_vlan", k.vlan_tci & 0x0fff);
    o.Set("dl_vlan_pcp", k.vlan_tci >> 13);
  }
  o.Set("l2_len", k.l2_len);

  if ((k.dl_type == 0x8847 || k.dl_type == 0x8848) && status == ParseStatus::kOk) {
    o.Set("mpls_label", k.mpls_lse >> 12);
    o.Set("mpls_tc", (k.mpls_lse >> 9) & 7);
    o.Set("mpls_bos", (k.mpls_lse >> 8) & 1);
    o.Set("mpls_ttl", k.mpls_lse & 0xff);
  }
  if (k.l3_ofs == kOfsAbsent) return o;
  o.Set("l3_ofs", k.l3_ofs);

  switch (k.dl_type) {
    case 0x0800:
      o.Set("nw_src", ipv4_text(k.nw_src));
      o.Set("nw_dst", ipv4_text(k.nw_dst));
      set_ip_common(o, k);
      break;
    case 0x86dd:
      o.Set("ipv6_src", ipv6_text(k.ipv6_src));
      o.Set("ipv6_dst", ipv6_text(k.ipv6_dst));
      o.Set("ipv6_label", k.ipv6_label);
      set_ip_common(o, k);
      break;
    case 0x0806:
    case 0x8035:
      o.Set("arp_op", k.arp_op);
      o.Set("arp_spa", ipv4_text(k.nw_src));
      o.Set("arp_tpa", ipv4_text(k.nw_dst));
      o.Set("arp_sha", mac_text(k.arp_sha));
      o.Set("arp_tha", mac_text(k.arp_tha));
      break;
  }
  if (k.l4_ofs == kOfsAbsent) return o;
  o.Set("l4_ofs", k.l4_ofs);
  set_l4(o, k, status);
  return o;
}

Napi::Object flow_key_layout_to_js(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  for (const FlowKeyField& f : kFlowKeyFields) {
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, double(f.offset));
    a.Set(1u, double(f.size));
    o.Set(f.name, a);
  }
  return o;
}

}  // namespace nodeswitch
