// Glue only: port mirrors (native/dp/mirror.h).
#include <memory>
#include <vector>

#include "addon/datapath_js.h"
#include "addon/js_args.h"

namespace nodeswitch {

namespace {

std::vector<uint16_t> u16_list(const Napi::Object& o, const char* key, uint32_t min, uint32_t max) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<uint16_t> out;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Object box = Napi::Object::New(o.Env());
    box.Set("v", a.Get(i));
    out.push_back(uint16_t(get_u32(box, "v", min, max)));
  }
  return out;
}

}  // namespace

// setMirrors([{name, selectAll, selectSrc, selectDst, selectVlan, outputPort, outputVlan}]): ofports; 0: no such output.
Napi::Value DatapathJs::JsSetMirrors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsArray())
    throw Napi::TypeError::New(env, "setMirrors([{name, selectAll, selectSrc, selectDst, selectVlan, outputPort, outputVlan}])");
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<MirrorConfig> mirrors;
  for (uint32_t i = 0; i < list.Length(); i++) {
    if (!list.Get(i).IsObject()) throw Napi::TypeError::New(env, "a mirror must be an object");
    Napi::Object o = list.Get(i).As<Napi::Object>();
    MirrorConfig m;
    if (!o.Get("name").IsString()) throw Napi::TypeError::New(env, "name must be a string");
    m.name = o.Get("name").As<Napi::String>();
    m.select_all = o.Get("selectAll").ToBoolean();
    m.select_src = u16_list(o, "selectSrc", 1, kMaxOfport);
    m.select_dst = u16_list(o, "selectDst", 1, kMaxOfport);
    m.select_vlan = u16_list(o, "selectVlan", 1, 4094);
    m.output_port = uint16_t(get_u32(o, "outputPort", 0, kMaxOfport));
    m.output_vlan = uint16_t(get_u32(o, "outputVlan", 0, 4094));
    mirrors.push_back(std::move(m));
  }
  auto cmd = std::make_unique<Command>();
  auto shared = std::make_shared<std::vector<MirrorConfig>>(std::move(mirrors));
  cmd->apply = [shared](Datapath& dp) -> JsValueBuilder {
    dp.set_mirrors(std::move(*shared));
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// mirrorStats() → [{name, packets, bytes}], in configuration order.
Napi::Value DatapathJs::JsMirrorStats(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    auto stats = std::make_shared<std::vector<MirrorStats>>(dp.mirror_stats());
    return [stats](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, stats->size());
      for (size_t i = 0; i < stats->size(); i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("name", (*stats)[i].name);
        o.Set("packets", double((*stats)[i].packets));
        o.Set("bytes", double((*stats)[i].bytes));
        arr.Set(i, o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

}  // namespace nodeswitch
