// Glue only: the megaflow cache's dump and settings (native/dp/pipeline.h).
#include <memory>
#include <vector>

#include "addon/datapath_js.h"
#include "addon/flow_js.h"
#include "addon/js_args.h"
#include "core/clock.h"

namespace nodeswitch {

namespace {

struct MegaflowSnapshot {
  FlowKey key, mask;
  uint64_t packets, bytes, idle_ms, age_ms;
  std::vector<OfAction> ops;
  std::vector<uint32_t> flow_ids;
};

Napi::Buffer<uint8_t> key_buffer(Napi::Env env, const FlowKey& k) {
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&k), sizeof k);
}

}  // namespace

// dumpMegaflows() → [{key, mask, packets, bytes, idleMs, ageMs, ops, flowIds}]
Napi::Value DatapathJs::JsDumpMegaflows(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    auto list = std::make_shared<std::vector<MegaflowSnapshot>>();
    const uint64_t now = now_ms();
    dp.pipeline().for_each_megaflow([&](const Megaflow& mf) {
      MegaflowSnapshot s{mf.key, mf.mask, mf.n_packets, mf.n_bytes, now - mf.used_ms, now - mf.created_ms, mf.ops, {}};
      for (const FlowEntry* e : mf.credits) s.flow_ids.push_back(e->id);
      list->push_back(std::move(s));
    });
    return [list](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, list->size());
      for (size_t i = 0; i < list->size(); i++) {
        const MegaflowSnapshot& s = (*list)[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("key", key_buffer(env, s.key));
        o.Set("mask", key_buffer(env, s.mask));
        o.Set("packets", double(s.packets));
        o.Set("bytes", double(s.bytes));
        o.Set("idleMs", double(s.idle_ms));
        o.Set("ageMs", double(s.age_ms));
        Napi::Array ops = Napi::Array::New(env, s.ops.size());
        for (size_t j = 0; j < s.ops.size(); j++) ops.Set(j, action_to_js(env, s.ops[j]));
        o.Set("ops", ops);
        Napi::Array ids = Napi::Array::New(env, s.flow_ids.size());
        for (size_t j = 0; j < s.flow_ids.size(); j++) ids.Set(j, s.flow_ids[j]);
        o.Set("flowIds", ids);
        arr.Set(i, o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

Napi::Value DatapathJs::JsFlushMegaflows(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    dp.pipeline().flush_megaflows();
    return undefined_result();
  };
  return Post(info.Env(), std::move(cmd));
}

// setCacheConfig({exactMatch, megaflows, limit, maxIdleMs, maxMasks, exactInsertInvProb, prefixGranularity})
Napi::Value DatapathJs::JsSetCacheConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "setCacheConfig({exactMatch, megaflows, limit, maxIdleMs})");
  Napi::Object o = info[0].As<Napi::Object>();
  MegaflowCacheConfig c;
  c.exact_match = o.Get("exactMatch").ToBoolean();
  c.megaflows = o.Get("megaflows").ToBoolean();
  c.limit = get_u32(o, "limit", 0, 1u << 24);
  c.max_idle_ms = get_u32(o, "maxIdleMs", 1, 86'400'000);
  c.max_masks = get_u32(o, "maxMasks", 1, 4096);
  c.exact_insert_inv_prob = get_u32(o, "exactInsertInvProb", 1, 1u << 20);
  c.prefix_granularity = get_u32(o, "prefixGranularity", 1, 32);
  auto cmd = std::make_unique<Command>();
  cmd->apply = [c](Datapath& dp) -> JsValueBuilder {
    dp.pipeline().configure(c);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

}  // namespace nodeswitch
