// The addon's export list. Everything here is glue; the work is in native/dp.
#include <napi.h>

#include "addon/constants_js.h"
#include "addon/pcap_js.h"
#include "addon/datapath_js.h"
#include "addon/flow_key_js.h"
#include "core/packet.h"
#include "parse/flow_key.h"

namespace nodeswitch {
namespace {

// parseFrame(buffer) → the flow key the datapath would compute for the frame.
Napi::Value JsParseFrame(const Napi::CallbackInfo& info) {
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(info.Env(), "parseFrame(buffer)");
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  FlowKey key;
  ParseStatus status = parse_flow_key(buf.Data(), uint32_t(buf.Length()), &key);
  return flow_key_to_js(info.Env(), key, status);
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Datapath", DatapathJs::Define(env));
  exports.Set("parseFrame", Napi::Function::New(env, JsParseFrame, "parseFrame"));
  exports.Set("constants", constants_to_js(env));
  // The native trace reader, for inject (validates the whole file; errors carry the byte offset).
  exports.Set("readPcap", Napi::Function::New(env, JsReadPcap, "readPcap"));
  // Where each FlowKey field lives, so TypeScript can build match keys and masks.
  exports.Set("flowKeyLayout", flow_key_layout_to_js(env));
  return exports;
}

}  // namespace nodeswitch

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return nodeswitch::Init(env, exports); }

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitAddon)
