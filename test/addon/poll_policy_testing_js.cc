// Glue only: argument conversions around PollPolicy.
#include "poll_policy_testing_js.h"

#include <string>

#include "dp/poll_mode.h"

namespace nodeswitch {
namespace {

// The times every policy made here reads; each call sets them first. (The glue
// runs on the JS thread alone.)
uint64_t test_now_ns = 0;
uint64_t test_cpu_ns = 0;
uint64_t test_clock() { return test_now_ns; }
uint64_t test_cpu_clock() { return test_cpu_ns; }

uint64_t ns_arg(Napi::Value v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "nowNs must be a number");
  return uint64_t(v.As<Napi::Number>().DoubleValue());
}

class PollPolicyJs : public Napi::ObjectWrap<PollPolicyJs> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PollPolicy",
                       {
                           InstanceMethod("nextWait", &PollPolicyJs::JsNextWait),
                           InstanceMethod("afterWait", &PollPolicyJs::JsAfterWait),
                           InstanceMethod("windowNs", &PollPolicyJs::JsWindowNs),
                       });
  }

  // new PollPolicy(mode, spinNs)
  explicit PollPolicyJs(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<PollPolicyJs>(info), policy_(test_clock, test_cpu_clock) {
    PollMode mode;
    if (!info[0].IsString() || !enum_from_name(kPollModeNames, info[0].As<Napi::String>().Utf8Value(), &mode)) {
      throw Napi::TypeError::New(info.Env(), "mode must be adaptive, busy or interrupt");
    }
    policy_.set_mode(mode);
    policy_.set_spin(ns_arg(info[1]));
  }

 private:
  // nextWait(received, sleepMs, nowNs, cpuNs = nowNs): cpuNs is the thread's CPU
  // time, which advances with nowNs while the thread has the core to itself.
  Napi::Value JsNextWait(const Napi::CallbackInfo& info) {
    test_now_ns = ns_arg(info[2]);
    test_cpu_ns = info[3].IsUndefined() ? test_now_ns : ns_arg(info[3]);
    int sleep_ms = info[1].As<Napi::Number>().Int32Value();
    return Napi::Number::New(info.Env(), policy_.next_wait(info[0].ToBoolean(), sleep_ms));
  }

  Napi::Value JsAfterWait(const Napi::CallbackInfo& info) {
    test_now_ns = ns_arg(info[3]);
    policy_.after_wait(info[0].As<Napi::Number>().Int32Value(), info[1].ToBoolean(), info[2].ToBoolean());
    return info.Env().Undefined();
  }

  Napi::Value JsWindowNs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(policy_.window_ns())); }

  PollPolicy policy_;
};

}  // namespace

void register_poll_policy_testing(Napi::Env env, Napi::Object testing) { testing.Set("PollPolicy", PollPolicyJs::Define(env)); }

}  // namespace nodeswitch
