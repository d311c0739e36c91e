// Bonds from JS: addBond({name, ofport, members, mode, lacp, lacpTime, memberType?})
// and bonds() → what bond-show prints (dp/bond.h).
#include <string>
#include <vector>

#include "addon/datapath_js.h"
#include "addon/flow_key_js.h"
#include "addon/js_args.h"

namespace nodeswitch {

namespace {

template <typename E, size_t N>
E get_enum(const Napi::Object& o, const char* key, const char* const (&names)[N]) {
  Napi::Value v = o.Get(key);
  E e;
  if (!v.IsString() || !enum_from_name(names, v.As<Napi::String>().Utf8Value(), &e)) {
    throw Napi::TypeError::New(o.Env(), std::string(key) + " is not a known name");
  }
  return e;
}

const char* lacp_status_name(LacpStatus s) {
  switch (s) {
    case LacpStatus::kCurrent: return "current";
    case LacpStatus::kExpired: return "expired";
    case LacpStatus::kDefaulted: return "defaulted";
  }
  return "defaulted";
}

Napi::Object info_to_js(Napi::Env env, const LacpInfo& i) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("sysId", mac_text(i.sys_id));
  o.Set("sysPriority", i.sys_priority);
  o.Set("key", i.key);
  o.Set("portId", i.port_id);
  o.Set("portPriority", i.port_priority);
  o.Set("state", i.state);
  return o;
}

Napi::Object bond_to_js(Napi::Env env, const BondSnapshot& b) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", b.name);
  o.Set("ofport", b.ofport);
  o.Set("mode", kBondModeNames[size_t(b.mode)]);
  o.Set("lacp", kLacpModeNames[size_t(b.lacp)]);
  o.Set("lacpTime", kLacpTimeNames[size_t(b.lacp_time)]);
  o.Set("negotiated", b.negotiated);
  o.Set("sysId", mac_text(b.sys_id));
  o.Set("sysPriority", b.sys_priority);
  o.Set("key", b.key);
  Napi::Array members = Napi::Array::New(env, b.members.size());
  for (size_t i = 0; i < b.members.size(); i++) {
    const BondMemberSnapshot& m = b.members[i];
    Napi::Object mo = Napi::Object::New(env);
    mo.Set("name", m.name);
    mo.Set("enabled", m.enabled);
    mo.Set("carrier", m.carrier);
    mo.Set("active", m.active);
    mo.Set("buckets", m.buckets);
    mo.Set("rxPackets", double(m.rx_packets));
    mo.Set("txPackets", double(m.tx_packets));
    if (b.lacp != LacpMode::kOff) {
      Napi::Object l = Napi::Object::New(env);
      l.Set("status", lacp_status_name(m.lacp_status));
      l.Set("attached", m.attached);
      l.Set("mayEnable", m.may_enable);
      l.Set("actor", info_to_js(env, m.actor));
      l.Set("partner", info_to_js(env, m.partner));
      l.Set("rxPdus", double(m.rx_pdus));
      l.Set("rxBad", double(m.rx_bad));
      l.Set("txPdus", double(m.tx_pdus));
      mo.Set("lacp", l);
    }
    members.Set(uint32_t(i), mo);
  }
  o.Set("members", members);
  return o;
}

}  // namespace

Napi::Value DatapathJs::JsAddBond(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "addBond({name, ofport, members, mode, lacp, lacpTime})");
  Napi::Object spec = info[0].As<Napi::Object>();
  if (!spec.Get("name").IsString() || !spec.Get("members").IsArray()) {
    throw Napi::TypeError::New(env, "a bond needs a name and an array of members");
  }
  BondConfig config;
  config.name = spec.Get("name").As<Napi::String>().Utf8Value();
  config.mode = get_enum<BondMode>(spec, "mode", kBondModeNames);
  config.lacp = get_enum<LacpMode>(spec, "lacp", kLacpModeNames);
  config.lacp_time = get_enum<LacpTime>(spec, "lacpTime", kLacpTimeNames);
  uint16_t ofport = uint16_t(get_u32(spec, "ofport", 1, kMaxOfport));
  PortType member_type = PortType::kAfPacket;
  if (spec.Get("memberType").IsString()) member_type = get_enum<PortType>(spec, "memberType", kPortTypeNames);
  bool allow_missing = spec.Get("allowMissing").ToBoolean();
  Napi::Array arr = spec.Get("members").As<Napi::Array>();
  std::vector<std::string> members;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    if (!arr.Get(i).IsString()) throw Napi::TypeError::New(env, "bond members must be strings");
    members.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [config, ofport, members, member_type, allow_missing](Datapath& dp) -> JsValueBuilder {
    dp.add_bond(config, ofport, members, member_type, allow_missing);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

Napi::Value DatapathJs::JsBonds(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    std::vector<BondSnapshot> bonds = dp.bonds();
    return [bonds](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, bonds.size());
      for (size_t i = 0; i < bonds.size(); i++) arr.Set(uint32_t(i), bond_to_js(env, bonds[i]));
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

}  // namespace nodeswitch
