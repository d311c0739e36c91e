// Glue only: the group table (native/dp/group_table.h). TypeScript has checked
// everything a user can get wrong (src/ofproto/group-table.ts).
#include <memory>
#include <string>
#include <vector>

#include "addon/datapath_js.h"
#include "addon/flow_js.h"
#include "addon/js_args.h"

namespace nodeswitch {

// setGroup({id, type: 0..3 (OFPGT_*), buckets: [{weight, watchPort, watchGroup, actions: [op…]}]}): add or replace.
Napi::Value DatapathJs::JsSetGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "setGroup({id, type, buckets})");
  Napi::Object o = info[0].As<Napi::Object>();
  Group g;
  g.id = get_u32(o, "id", 0, 0xffffff00);
  g.type = GroupType(get_u32(o, "type", 0, 3));
  if (!o.Get("buckets").IsArray()) throw Napi::TypeError::New(env, "group buckets must be an array");
  Napi::Array buckets = o.Get("buckets").As<Napi::Array>();
  if (buckets.Length() > GroupTable::kMaxBuckets) throw Napi::RangeError::New(env, "too many buckets");
  for (uint32_t i = 0; i < buckets.Length(); i++) {
    if (!buckets.Get(i).IsObject()) throw Napi::TypeError::New(env, "a group bucket must be an object");
    Napi::Object b = buckets.Get(i).As<Napi::Object>();
    GroupBucket bucket;
    bucket.weight = get_u32(b, "weight", 0, 0xffff);
    bucket.watch_port = get_u32(b, "watchPort", 0, 0xffffffff);
    bucket.watch_group = get_u32(b, "watchGroup", 0, 0xffffffff);
    bucket.actions = actions_from_js(env, b.Get("actions"));
    g.buckets.push_back(std::move(bucket));
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [g = std::move(g)](Datapath& dp) -> JsValueBuilder {
    dp.set_group(g);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// deleteGroups(ids[]): none named deletes every group.
Napi::Value DatapathJs::JsDeleteGroups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "deleteGroups(ids[])");
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "group ids must be numbers");
    ids.push_back(v.As<Napi::Number>().Uint32Value());
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ids](Datapath& dp) -> JsValueBuilder {
    dp.delete_groups(ids);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// groupStats() → [{id, packets, bytes, buckets: [{packets, bytes}]}]
Napi::Value DatapathJs::JsGroupStats(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    auto stats = std::make_shared<std::vector<GroupStats>>(dp.group_stats());
    return [stats](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, stats->size());
      for (size_t i = 0; i < stats->size(); i++) {
        const GroupStats& g = (*stats)[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("id", g.id);
        o.Set("packets", double(g.n_packets));
        o.Set("bytes", double(g.n_bytes));
        Napi::Array buckets = Napi::Array::New(env, g.buckets.size());
        for (size_t b = 0; b < g.buckets.size(); b++) {
          Napi::Object bo = Napi::Object::New(env);
          bo.Set("packets", double(g.buckets[b].n_packets));
          bo.Set("bytes", double(g.buckets[b].n_bytes));
          buckets.Set(uint32_t(b), bo);
        }
        o.Set("buckets", buckets);
        arr.Set(uint32_t(i), o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

// setMemLink(ofport, up): tests take a mem port's link down and back (fast failover).
Napi::Value DatapathJs::JsSetMemLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  bool up = info[1].ToBoolean();
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport, up](Datapath& dp) -> JsValueBuilder {
    dp.set_mem_link(ofport, up);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

}  // namespace nodeswitch
