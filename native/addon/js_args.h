// Argument checks and small conversions shared by the addon's Js* methods.
#pragma once

#include <napi.h>

#include <string>

#include "dp/command_queue.h"
#include "dp/of_action.h"
#include "parse/flow_key.h"

namespace nodeswitch {

inline uint32_t get_u32(const Napi::Object& o, const char* key, uint32_t min, uint32_t max) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || d != double(uint32_t(d))) {
    throw Napi::RangeError::New(
        o.Env(), std::string(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return uint32_t(d);
}

// A port's ofport from JS: 1..kMaxOfport, or OFPP_LOCAL (0xfffffffe), which the
// datapath holds as kLocalOfport.
inline uint16_t ofport_from_js(Napi::Env env, const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, "ofport must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d == double(kOfppLocal)) return kLocalOfport;
  if (!(d >= 1 && d <= kMaxOfport) || d != double(uint32_t(d))) throw Napi::RangeError::New(env, "ofport out of range");
  return uint16_t(d);
}

inline uint16_t get_ofport(const Napi::CallbackInfo& info, size_t i) { return ofport_from_js(info.Env(), info[i]); }

// And back: what JS sees of a datapath ofport.
inline uint32_t ofport_to_js(uint16_t ofport) { return ofport == kLocalOfport ? kOfppLocal : ofport; }

inline JsValueBuilder undefined_result() {
  return [](Napi::Env env) -> Napi::Value { return env.Undefined(); };
}

}  // namespace nodeswitch
