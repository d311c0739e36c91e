#include "addon/flow_js.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace nodeswitch {

namespace {

uint64_t get_u64(Napi::Env env, Napi::Value v, const char* what) {
  if (v.IsUndefined()) return 0;
  if (!v.IsBigInt()) throw Napi::TypeError::New(env, std::string(what) + " must be a bigint");
  bool lossless;
  uint64_t out = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(env, std::string(what) + " does not fit in 64 bits");
  return out;
}

uint32_t get_u32(Napi::Env env, Napi::Value v, const char* what) {
  if (v.IsUndefined()) return 0;
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != double(uint32_t(d)))
    throw Napi::RangeError::New(env, std::string(what) + " out of range");
  return uint32_t(d);
}

}  // namespace

std::vector<OfAction> actions_from_js(Napi::Env env, Napi::Value list) {
  std::vector<OfAction> out;
  if (list.IsUndefined()) return out;
  if (!list.IsArray()) throw Napi::TypeError::New(env, "actions must be an array");
  Napi::Array arr = list.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject()) throw Napi::TypeError::New(env, "an action must be an object");
    Napi::Object o = v.As<Napi::Object>();
    uint32_t code = get_u32(env, o.Get("code"), "action code");
    if (code == 0 || code >= kOpCodeCount) throw Napi::RangeError::New(env, "unknown action code " + std::to_string(code));
    OfAction a{};
    a.code = OpCode(code);
    a.port = get_u32(env, o.Get("port"), "action port");
    a.u32 = get_u32(env, o.Get("u32"), "action u32");
    a.u64 = get_u64(env, o.Get("u64"), "action u64");
    a.u64b = get_u64(env, o.Get("u64b"), "action u64b");
    Napi::Value b = o.Get("bytes");
    if (!b.IsUndefined()) {
      if (!b.IsBuffer() || b.As<Napi::Buffer<uint8_t>>().Length() > sizeof a.bytes) {
        throw Napi::TypeError::New(env, "action bytes must be a Buffer of at most 16 bytes");
      }
      auto buf = b.As<Napi::Buffer<uint8_t>>();
      std::memcpy(a.bytes, buf.Data(), buf.Length());
    }
    out.push_back(a);
  }
  return out;
}

std::vector<std::unique_ptr<FlowEntry>> flows_from_batch(Napi::Env env, Napi::Value batch, const char* what) {
  if (!batch.IsTypedArray() || batch.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, std::string(what) + "(batch): a flow batch is a Buffer (src/ofproto/flow-batch.ts)");
  }
  auto bytes = batch.As<Napi::Uint8Array>();
  try {
    return decode_flow_batch(bytes.Data(), bytes.ByteLength());
  } catch (const std::invalid_argument& err) {
    throw Napi::TypeError::New(env, std::string(what) + ": " + err.what());
  }
}

FlowKey flow_key_from_js(Napi::Env env, Napi::Value v) {
  if (!v.IsBuffer() || v.As<Napi::Buffer<uint8_t>>().Length() != sizeof(FlowKey)) {
    throw Napi::TypeError::New(env, "a flow key must be a Buffer of " + std::to_string(sizeof(FlowKey)) + " bytes");
  }
  FlowKey k;
  std::memcpy(&k, v.As<Napi::Buffer<uint8_t>>().Data(), sizeof k);
  return k;
}

std::unique_ptr<FlowEntry> flow_from_js(Napi::Env env, Napi::Value spec) {
  if (!spec.IsObject()) throw Napi::TypeError::New(env, "a flow must be an object");
  Napi::Object o = spec.As<Napi::Object>();
  auto e = std::make_unique<FlowEntry>();
  e->id = get_u32(env, o.Get("id"), "flow id");
  uint32_t table = get_u32(env, o.Get("table"), "table");
  if (table >= uint32_t(FlowTables::kTables)) throw Napi::RangeError::New(env, "table out of range");
  e->table = uint8_t(table);
  uint32_t priority = get_u32(env, o.Get("priority"), "priority");
  if (priority > 0xffff) throw Napi::RangeError::New(env, "priority out of range");
  e->rule.priority = uint16_t(priority);
  e->rule.key = flow_key_from_js(env, o.Get("key"));
  e->rule.mask = flow_key_from_js(env, o.Get("mask"));
  e->cookie = get_u64(env, o.Get("cookie"), "cookie");
  e->apply = actions_from_js(env, o.Get("apply"));
  e->write = actions_from_js(env, o.Get("write"));
  e->clear_actions = o.Get("clearActions").ToBoolean();
  Napi::Value md = o.Get("writeMetadata");
  if (md.IsObject()) {
    e->write_metadata = true;
    e->metadata_value = get_u64(env, md.As<Napi::Object>().Get("value"), "metadata value");
    e->metadata_mask = get_u64(env, md.As<Napi::Object>().Get("mask"), "metadata mask");
  }
  Napi::Value go = o.Get("gotoTable");
  if (!go.IsUndefined()) {
    uint32_t g = get_u32(env, go, "goto_table");
    if (g <= table || g >= uint32_t(FlowTables::kTables)) throw Napi::RangeError::New(env, "goto_table must go to a later table");
    e->goto_table = int(g);
  }
  return e;
}

Napi::Value action_to_js(Napi::Env env, const OfAction& a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", uint32_t(a.code));
  o.Set("port", a.port);
  o.Set("u32", a.u32);
  o.Set("u64", Napi::BigInt::New(env, a.u64));
  o.Set("bytes", Napi::Buffer<uint8_t>::Copy(env, a.bytes, sizeof a.bytes));
  if (a.code == OpCode::kController) {
    o.Set("reason", a.reason);
    o.Set("table", a.table);
  }
  return o;
}

}  // namespace nodeswitch
