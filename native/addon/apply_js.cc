// DatapathJs::JsApply: a controller batch (dp/controller_batch.h) from JS in one
// command. The flows of an install or setActions step are a packed flow batch
// (dp/flow_batch.h), decoded by flows_from_batch as installFlows' are.
#include <memory>
#include <string>
#include <vector>

#include "addon/datapath_js.h"
#include "addon/flow_js.h"
#include "addon/js_args.h"
#include "dp/controller_batch.h"

namespace nodeswitch {

namespace {

std::vector<uint32_t> ids_from_js(Napi::Env env, Napi::Value v) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "a remove step's ids must be an array");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<uint32_t> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value id = arr.Get(i);
    if (!id.IsNumber()) throw Napi::TypeError::New(env, "flow ids must be numbers");
    out[i] = id.As<Napi::Number>().Uint32Value();
  }
  return out;
}

ControllerStep step_from_js(Napi::Env env, Napi::Value v) {
  if (!v.IsObject()) throw Napi::TypeError::New(env, "a step must be an object");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value kind_v = o.Get("kind");
  if (!kind_v.IsString()) throw Napi::TypeError::New(env, "a step needs a kind");
  std::string kind = kind_v.As<Napi::String>();
  ControllerStep s{};
  if (kind == "install" || kind == "setActions") {
    s.kind = kind == "install" ? ControllerStep::kInstall : ControllerStep::kSetActions;
    s.flows = flows_from_batch(env, o.Get("flows"), "apply");
  } else if (kind == "remove") {
    s.kind = ControllerStep::kRemove;
    s.ids = ids_from_js(env, o.Get("ids"));
  } else if (kind == "packetOuts") {
    // {frames: Buffer, records: Uint32Array, actionLists: NativeAction[][]}
    s.kind = ControllerStep::kPacketOuts;
    Napi::Value frames = o.Get("frames"), records = o.Get("records"), lists = o.Get("actionLists");
    if (!frames.IsBuffer() || !records.IsTypedArray() || !lists.IsArray()) {
      throw Napi::TypeError::New(env, "a packetOuts step takes {frames: Buffer, records: Uint32Array, actionLists: []}");
    }
    auto fb = frames.As<Napi::Buffer<uint8_t>>();
    s.outs.frames.assign(fb.Data(), fb.Data() + fb.Length());
    Napi::TypedArray ta = records.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != napi_uint32_array || ta.ElementLength() % kPacketOutFields) {
      throw Napi::TypeError::New(env, "a packetOuts step's records must be a Uint32Array of whole records");
    }
    const uint32_t* r = records.As<Napi::Uint32Array>().Data();
    s.outs.records.assign(r, r + ta.ElementLength());
    Napi::Array la = lists.As<Napi::Array>();
    for (uint32_t i = 0; i < la.Length(); i++) s.outs.action_lists.push_back(actions_from_js(env, la.Get(i)));
  } else {
    throw Napi::TypeError::New(env, "unknown step kind " + kind);
  }
  return s;
}

}  // namespace

// apply([{kind: 'install'|'setActions', flows} | {kind: 'remove', ids} |
//        {kind: 'packetOuts', frames, records, actionLists}]): one command, in
// order, nothing changed when a step is refused.
Napi::Value DatapathJs::JsApply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "apply(steps[])");
  Napi::Array arr = info[0].As<Napi::Array>();
  auto steps = std::make_shared<std::vector<ControllerStep>>();
  steps->reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) steps->push_back(step_from_js(env, arr.Get(i)));
  auto cmd = std::make_unique<Command>();
  cmd->apply = [steps](Datapath& dp) -> JsValueBuilder {
    apply_controller_batch(dp, *steps);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

}  // namespace nodeswitch
