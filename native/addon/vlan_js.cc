// Glue: setPortVlan(ofport, {mode, tag, trunks}) → Datapath::set_port_vlan. The
// rules (which combinations are valid) are checked in TypeScript (src/vlan.ts) and
// again by the datapath; here only the shape.
#include "addon/datapath_js.h"
#include "addon/js_args.h"
#include "dp/vlan.h"

namespace nodeswitch {

Napi::Value DatapathJs::JsSetPortVlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  if (!info[1].IsObject()) throw Napi::TypeError::New(env, "setPortVlan(ofport, {mode, tag, trunks})");
  Napi::Object spec = info[1].As<Napi::Object>();
  PortVlan vlan;
  std::string mode = spec.Get("mode").ToString();
  if (!enum_from_name(kVlanModeNames, mode, &vlan.mode)) throw Napi::TypeError::New(env, "unknown vlan_mode " + mode);
  vlan.tag = uint16_t(get_u32(spec, "tag", 0, kVlanCount - 1));
  Napi::Value tv = spec.Get("trunks");
  if (!tv.IsArray()) throw Napi::TypeError::New(env, "trunks must be an array of VLAN ids");
  Napi::Array trunks = tv.As<Napi::Array>();
  vlan.all_trunks = trunks.Length() == 0;
  for (uint32_t i = 0; i < trunks.Length(); i++) {
    Napi::Value v = trunks.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d < kVlanCount) || d != double(uint32_t(d)))
      throw Napi::RangeError::New(env, "trunks: VLAN ids are 0 to 4095");
    vlan.trunks.set(uint32_t(d));
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport, vlan](Datapath& dp) -> JsValueBuilder {
    dp.set_port_vlan(ofport, vlan);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

}  // namespace nodeswitch
