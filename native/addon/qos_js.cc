// Glue only: ingress policing and the meter table (native/dp/stages/policer.h,
// native/dp/meter_table.h). TypeScript has checked everything a user can get wrong.
#include <memory>
#include <string>
#include <vector>

#include "addon/datapath_js.h"
#include "addon/js_args.h"

namespace nodeswitch {

// setIngressPolicing(ofport, rateKbps, burstKbits): rate 0 turns it off.
Napi::Value DatapathJs::JsSetIngressPolicing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  if (!info[1].IsObject()) throw Napi::TypeError::New(env, "setIngressPolicing(ofport, {rate, burst})");
  Napi::Object o = info[1].As<Napi::Object>();
  uint32_t rate = get_u32(o, "rate", 0, 0xffffffff);
  uint32_t burst = get_u32(o, "burst", 0, 0xffffffff);
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport, rate, burst](Datapath& dp) -> JsValueBuilder {
    dp.set_ingress_policing(ofport, rate, burst);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// setMeter({id, pktps, bands: [{type: 'drop'|'dscp_remark', rate, burst, precLevel}]}): add or replace.
Napi::Value DatapathJs::JsSetMeter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "setMeter({id, pktps, bands})");
  Napi::Object o = info[0].As<Napi::Object>();
  MeterConfig config;
  config.id = get_u32(o, "id", 1, 0xffff0000);
  config.pktps = o.Get("pktps").ToBoolean();
  if (!o.Get("bands").IsArray()) throw Napi::TypeError::New(env, "meter bands must be an array");
  Napi::Array bands = o.Get("bands").As<Napi::Array>();
  if (bands.Length() < 1 || bands.Length() > MeterTable::kMaxBands) {
    throw Napi::RangeError::New(env, "a meter has 1 to " + std::to_string(MeterTable::kMaxBands) + " bands");
  }
  for (uint32_t i = 0; i < bands.Length(); i++) {
    if (!bands.Get(i).IsObject()) throw Napi::TypeError::New(env, "a meter band must be an object");
    Napi::Object b = bands.Get(i).As<Napi::Object>();
    MeterBandConfig band;
    Napi::Value type = b.Get("type");
    std::string t = type.IsString() ? std::string(type.As<Napi::String>()) : "";
    if (t == "drop") band.type = MeterBandType::kDrop;
    else if (t == "dscp_remark") band.type = MeterBandType::kDscpRemark;
    else throw Napi::TypeError::New(env, "meter band type must be drop or dscp_remark");
    band.rate = get_u32(b, "rate", 1, 0xffffffff);
    band.burst = get_u32(b, "burst", 1, 0xffffffff);
    band.prec_level = uint8_t(b.Get("precLevel").IsUndefined() ? 0 : get_u32(b, "precLevel", 0, 0xff));
    config.bands.push_back(band);
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [config](Datapath& dp) -> JsValueBuilder {
    dp.set_meter(config);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// deleteMeters(ids[]): none named deletes every meter.
Napi::Value DatapathJs::JsDeleteMeters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "deleteMeters(ids[])");
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "meter ids must be numbers");
    ids.push_back(v.As<Napi::Number>().Uint32Value());
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ids](Datapath& dp) -> JsValueBuilder {
    dp.delete_meters(ids);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// meterStats() → [{id, packets, bytes, bands: [{packets, bytes}]}]
Napi::Value DatapathJs::JsMeterStats(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    auto stats = std::make_shared<std::vector<MeterStats>>(dp.meter_stats());
    return [stats](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, stats->size());
      for (size_t i = 0; i < stats->size(); i++) {
        const MeterStats& m = (*stats)[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("id", m.id);
        o.Set("packets", double(m.packets));
        o.Set("bytes", double(m.bytes));
        Napi::Array bands = Napi::Array::New(env, m.bands.size());
        for (size_t b = 0; b < m.bands.size(); b++) {
          Napi::Object bo = Napi::Object::New(env);
          bo.Set("packets", double(m.bands[b].packets));
          bo.Set("bytes", double(m.bands[b].bytes));
          bands.Set(uint32_t(b), bo);
        }
        o.Set("bands", bands);
        arr.Set(uint32_t(i), o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

}  // namespace nodeswitch
