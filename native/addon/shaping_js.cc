// Glue only (shaping_js.cc): egress shaping's commands (native/dp/datapath_qos.cc, dp/stages/shaper.h).
#include <memory>
#include <string>
#include <vector>

#include "addon/datapath_js.h"
#include "addon/js_args.h"

namespace nodeswitch {

namespace {

// A rate in bit/s: an integer from 1 up to what a double holds exactly.
uint64_t get_rate(const Napi::Object& o, const char* key, uint64_t min) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= double(min) && d <= 9007199254740991.0) || d != double(uint64_t(d))) {
    throw Napi::RangeError::New(o.Env(), std::string(key) + " must be an integer rate in bit/s");
  }
  return uint64_t(d);
}

}  // namespace

// setQos(ofport, {maxRate, queues: [{queue, minRate, maxRate, priority}]} | null)
Napi::Value DatapathJs::JsSetQos(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  std::shared_ptr<ShaperConfig> config;
  if (!info[1].IsNull()) {
    if (!info[1].IsObject()) throw Napi::TypeError::New(env, "setQos(ofport, {maxRate, queues} | null)");
    Napi::Object o = info[1].As<Napi::Object>();
    config = std::make_shared<ShaperConfig>();
    config->max_rate = get_rate(o, "maxRate", 1);
    Napi::Value qv = o.Get("queues");
    if (!qv.IsArray()) throw Napi::TypeError::New(env, "queues must be an array");
    Napi::Array queues = qv.As<Napi::Array>();
    for (uint32_t i = 0; i < queues.Length(); i++) {
      Napi::Value e = queues.Get(i);
      if (!e.IsObject()) throw Napi::TypeError::New(env, "queues[] must be objects");
      Napi::Object q = e.As<Napi::Object>();
      uint32_t id = get_u32(q, "queue", 0, kMaxQueues - 1);
      QueueConfig& c = config->queues[id];
      c.configured = true;
      c.min_rate = get_rate(q, "minRate", 0);
      c.max_rate = get_rate(q, "maxRate", 1);
      c.priority = get_u32(q, "priority", 0, 0xffffffffu);
      if (c.min_rate > c.max_rate) throw Napi::RangeError::New(env, "minRate must not exceed maxRate");
    }
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport, config](Datapath& dp) -> JsValueBuilder {
    dp.set_qos(ofport, config.get());
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// queueStats() → [{ofport, portMaxRate, queue, minRate, maxRate, priority, txPackets,
// txBytes, txDropped, backlogPackets, backlogBytes}]
Napi::Value DatapathJs::JsQueueStats(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    auto list = std::make_shared<std::vector<PortQueueSnapshot>>(dp.queue_stats());
    return [list](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, list->size());
      for (size_t i = 0; i < list->size(); i++) {
        const PortQueueSnapshot& s = (*list)[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("ofport", s.ofport);
        o.Set("portMaxRate", double(s.max_rate));
        o.Set("queue", s.queue.queue);
        o.Set("minRate", double(s.queue.config.min_rate));
        o.Set("maxRate", double(s.queue.config.max_rate));
        o.Set("priority", s.queue.config.priority);
        o.Set("txPackets", double(s.queue.counters.tx_packets));
        o.Set("txBytes", double(s.queue.counters.tx_bytes));
        o.Set("txDropped", double(s.queue.counters.tx_dropped));
        o.Set("backlogPackets", s.queue.backlog_frames);
        o.Set("backlogBytes", double(s.queue.backlog_bytes));
        arr.Set(i, o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

}  // namespace nodeswitch
