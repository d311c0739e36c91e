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

inline uint16_t get_ofport(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "ofport must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= kMaxOfport) || d != double(uint32_t(d))) throw Napi::RangeError::New(info.Env(), "ofport out of range");
  return uint16_t(d);
}

inline JsValueBuilder undefined_result() {
  return [](Napi::Env env) -> Napi::Value { return env.Undefined(); };
}

}  // namespace nodeswitch
