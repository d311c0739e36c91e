// DatapathJs methods for flows, packet-out, trace and the tools (replay, ingest,
// capture, bare forwarding, polling): glue like the rest, split from datapath_js.cc
// by size.
#include <memory>
#include <string>

#include "addon/datapath_js.h"
#include "addon/flow_js.h"
#include "addon/js_args.h"
#include "core/clock.h"
#include "parse/flow_key.h"

namespace nodeswitch {

// installFlows([flow…]): all or nothing.
Napi::Value DatapathJs::JsInstallFlows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  auto flows = std::make_shared<std::vector<std::unique_ptr<FlowEntry>>>(flows_from_batch(env, info[0], "installFlows"));
  auto cmd = std::make_unique<Command>();
  cmd->apply = [flows](Datapath& dp) -> JsValueBuilder {
    std::vector<uint32_t> installed;
    try {
      for (auto& f : *flows) {
        uint32_t id = f->id;
        dp.flows().install(std::move(f));
        installed.push_back(id);
      }
    } catch (...) {
      // Take back what this batch installed, so nothing is half-applied.
      for (uint32_t id : installed) dp.flows().remove(id);
      throw;
    }
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

Napi::Value DatapathJs::JsRemoveFlows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "removeFlows(ids[])");
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    if (!arr.Get(i).IsNumber()) throw Napi::TypeError::New(env, "flow ids must be numbers");
    ids.push_back(arr.Get(i).As<Napi::Number>().Uint32Value());
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ids](Datapath& dp) -> JsValueBuilder {
    for (uint32_t id : ids) {
      if (!dp.flows().find(id)) throw std::runtime_error("no flow with id " + std::to_string(id));
    }
    for (uint32_t id : ids) dp.flows().remove(id);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// setFlowActions(batch): replaces the actions (and instructions, cookie) of
// installed flows, keeping their counters (OpenFlow modify).
Napi::Value DatapathJs::JsSetFlowActions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  auto flows = std::make_shared<std::vector<std::unique_ptr<FlowEntry>>>(flows_from_batch(env, info[0], "setFlowActions"));
  auto cmd = std::make_unique<Command>();
  cmd->apply = [flows](Datapath& dp) -> JsValueBuilder {
    for (auto& f : *flows) {
      if (!dp.flows().find(f->id)) throw std::runtime_error("no flow with id " + std::to_string(f->id));
    }
    for (auto& f : *flows) dp.flows().set_actions(f->id, std::move(*f));
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// flowStats() → [{id, packets, bytes, idleMs}] (idleMs: -1 when never used)
Napi::Value DatapathJs::JsFlowStats(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    auto stats = std::make_shared<std::vector<FlowStatsSnapshot>>(dp.flow_stats());
    uint64_t now = now_ms();
    return [stats, now](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, stats->size());
      for (size_t i = 0; i < stats->size(); i++) {
        const FlowStatsSnapshot& s = (*stats)[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("id", s.id);
        o.Set("packets", double(s.n_packets));
        o.Set("bytes", double(s.n_bytes));
        o.Set("idleMs", s.last_used_ms ? double(now - s.last_used_ms) : -1.0);
        arr.Set(i, o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

// packetOut(frame, inPort, actions)
Napi::Value DatapathJs::JsPacketOut(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsBuffer() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "packetOut(frame, inPort, actions)");
  auto b = info[0].As<Napi::Buffer<uint8_t>>();
  std::vector<uint8_t> frame(b.Data(), b.Data() + b.Length());
  uint32_t in_port = info[1].As<Napi::Number>().Uint32Value();
  std::vector<OfAction> actions = actions_from_js(env, info[2]);
  auto cmd = std::make_unique<Command>();
  cmd->apply = [frame = std::move(frame), in_port, actions = std::move(actions)](Datapath& dp) -> JsValueBuilder {
    dp.packet_out(frame, in_port, actions);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// trace(frame, inPort) → {key, steps: [{table, depth, flowId}], ops: [...], tableMiss}
Napi::Value DatapathJs::JsTrace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsBuffer() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "trace(frame, inPort)");
  auto b = info[0].As<Napi::Buffer<uint8_t>>();
  std::vector<uint8_t> frame(b.Data(), b.Data() + b.Length());
  uint32_t in_port = info[1].As<Napi::Number>().Uint32Value();
  auto cmd = std::make_unique<Command>();
  cmd->apply = [frame = std::move(frame), in_port](Datapath& dp) -> JsValueBuilder {
    auto t = std::make_shared<TraceResult>(dp.trace_frame(frame, in_port));
    return [t](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      Napi::Array st = Napi::Array::New(env, t->steps.size());
      for (size_t i = 0; i < t->steps.size(); i++) {
        const TraceStep& step = t->steps[i];
        Napi::Object s = Napi::Object::New(env);
        s.Set("table", step.table);
        s.Set("depth", step.depth);
        s.Set("flowId", step.flow_id);
        s.Set("key", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&step.key), sizeof(FlowKey)));
        st.Set(i, s);
      }
      o.Set("steps", st);
      Napi::Array a = Napi::Array::New(env, t->ops.size());
      for (size_t i = 0; i < t->ops.size(); i++) {
        Napi::Value op = action_to_js(env, t->ops[i]);
        if (t->ops[i].code == OpCode::kNormal) {
          // NORMAL's decision, read-only: kind 0 drop / 1 unicast / 2 flood; why as NormalWhy.
          const NormalTrace& n = t->normal[i];
          Napi::Object d = Napi::Object::New(env);
          d.Set("kind", uint32_t(n.preview.decision.kind));
          d.Set("why", uint32_t(n.preview.why));
          d.Set("ofport", ofport_to_js(n.ofport));
          op.As<Napi::Object>().Set("normal", d);
        }
        a.Set(i, op);
      }
      o.Set("ops", a);
      o.Set("tableMiss", t->table_miss);
      // The megaflow this packet makes (or hits, if `installed`): its key masked.
      FlowKey masked = t->key;
      auto* kb = reinterpret_cast<uint8_t*>(&masked);
      const auto* mb = reinterpret_cast<const uint8_t*>(&t->megaflow_mask);
      for (size_t i = 0; i < sizeof masked; i++) kb[i] &= mb[i];
      Napi::Object mf = Napi::Object::New(env);
      mf.Set("key", Napi::Buffer<uint8_t>::Copy(env, kb, sizeof masked));
      mf.Set("mask", Napi::Buffer<uint8_t>::Copy(env, mb, sizeof masked));
      mf.Set("installed", t->megaflow_installed);
      o.Set("megaflow", mf);
      return o;
    };
  };
  return Post(env, std::move(cmd));
}

// setUpcallLimits(queue, ratePerSecond)
Napi::Value DatapathJs::JsSetUpcallLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "setUpcallLimits(queue, rate)");
  uint32_t queue = info[0].As<Napi::Number>().Uint32Value(), rate = info[1].As<Napi::Number>().Uint32Value();
  auto cmd = std::make_unique<Command>();
  cmd->apply = [queue, rate](Datapath& dp) -> JsValueBuilder {
    dp.set_upcall_limits(queue, rate);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// replay(controllerOut?) → {packets, elapsedNs, truncated, oversize}
Napi::Value DatapathJs::JsReplay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  std::string controller = info[0].IsString() ? std::string(info[0].As<Napi::String>()) : std::string();
  auto cmd = std::make_unique<Command>();
  cmd->apply = [controller](Datapath& dp) -> JsValueBuilder {
    ReplayResult r = dp.replay(controller);
    return [r](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("packets", double(r.packets));
      o.Set("elapsedNs", double(r.elapsed_ns));
      o.Set("truncated", double(r.truncated));
      o.Set("oversize", double(r.oversize));
      return o;
    };
  };
  return Post(env, std::move(cmd));
}

// replayProgress() → records read so far (synchronous: one atomic load).
Napi::Value DatapathJs::JsReplayProgress(const Napi::CallbackInfo& info) {
  if (!datapath_) return Napi::Number::New(info.Env(), 0);
  return Napi::Number::New(info.Env(), double(datapath_->replay_progress()));
}

// ingest(ofport, Buffer[]): live traffic from a trace (nodeswitch inject), processed
// as if it arrived on the port, whatever its type.
Napi::Value DatapathJs::JsIngest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "ingest(ofport, frames[])");
  Napi::Array arr = info[1].As<Napi::Array>();
  auto frames = std::make_shared<std::vector<std::vector<uint8_t>>>();
  frames->reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsBuffer()) throw Napi::TypeError::New(env, "frames must be Buffers");
    auto b = v.As<Napi::Buffer<uint8_t>>();
    frames->emplace_back(b.Data(), b.Data() + b.Length());
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport, frames](Datapath& dp) -> JsValueBuilder {
    dp.ingest(ofport, *frames);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// startCapture(ofport, path, 'in'|'out'|'both', count)
Napi::Value DatapathJs::JsStartCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  if (!info[1].IsString() || !info[2].IsString() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "startCapture(ofport, path, direction, count)");
  }
  std::string path = info[1].As<Napi::String>(), dir = info[2].As<Napi::String>();
  bool in = dir == "in" || dir == "both", out = dir == "out" || dir == "both";
  if (!in && !out) throw Napi::TypeError::New(env, "direction must be in, out or both");
  uint64_t count = uint64_t(info[3].As<Napi::Number>().DoubleValue());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport, path, in, out, count](Datapath& dp) -> JsValueBuilder {
    dp.start_capture(ofport, path, in, out, count);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// stopCapture(ofport) → frames written
Napi::Value DatapathJs::JsStopCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport](Datapath& dp) -> JsValueBuilder {
    double n = double(dp.stop_capture(ofport));
    return [n](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, n); };
  };
  return Post(env, std::move(cmd));
}

// setBareForward(on): benchmarks' no-lookup mode.
Napi::Value DatapathJs::JsSetBareForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  bool on = info[0].ToBoolean();
  auto cmd = std::make_unique<Command>();
  cmd->apply = [on](Datapath& dp) -> JsValueBuilder {
    dp.set_bare_forward(on);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// setBusyPoll(microseconds): how long the thread keeps polling after the last packet.
Napi::Value DatapathJs::JsSetBusyPoll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "setBusyPoll(microseconds)");
  uint64_t ns = uint64_t(info[0].As<Napi::Number>().DoubleValue()) * 1000;
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ns](Datapath& dp) -> JsValueBuilder {
    dp.set_busy_poll(ns);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

// setDatapathPoll('adaptive'|'busy'|'interrupt'): how the thread waits (dp/poll_mode.h).
Napi::Value DatapathJs::JsSetDatapathPoll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  PollMode mode;
  if (!info[0].IsString() || !enum_from_name(kPollModeNames, info[0].As<Napi::String>().Utf8Value(), &mode)) {
    throw Napi::TypeError::New(env, "setDatapathPoll(mode): mode must be adaptive, busy or interrupt");
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [mode](Datapath& dp) -> JsValueBuilder {
    dp.set_poll_mode(mode);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

}  // namespace nodeswitch
