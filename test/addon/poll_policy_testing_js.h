// Test-only glue (the nodeswitch_testing addon): the datapath's PollPolicy on a
// clock the test sets, so test/native/poll-policy.test.ts can walk the adaptive
// window through request/response gaps and idle timeouts without sleeping.
//
//   new PollPolicy(mode, spinNs): nextWait(received, sleepMs, nowNs, cpuNs?) → -1 | 0 | sleepMs,
//     afterWait(timeoutMs, input, timedOut, nowNs), windowNs()
#pragma once

#include <napi.h>

namespace nodeswitch {

void register_poll_policy_testing(Napi::Env env, Napi::Object testing);

}  // namespace nodeswitch
