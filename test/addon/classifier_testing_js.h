// Test-only glue (the nodeswitch_testing addon): the classifier and the microflow
// cache, so test/native/classifier.test.ts can check them against a naive TS model.
// Not in the production addon. (The FlowKey layout the tests build keys with is
// production's: addon.flowKeyLayout.)
//
//   classify(rules, frames, {cache?, inPorts?}) → number[]   index in rules, or -1
//   flowKeyBytes(frame, inPort?) → Buffer(140)   the raw key the parser makes
//   overlaps(k1, m1, k2, m2) → boolean;  matchCovers(key, mask, ruleKey, ruleMask)
//   new Classifier({cacheEntries?}): insert(priority, key, mask) → id, remove(id),
//     lookup(keys, {cache?}) → ids or -1, findExact(key, mask, priority) → id or -1,
//     ids(), size(), subtableCount(), cacheStats(), invalidate()
// Keys and masks are Buffers of exactly sizeof(FlowKey) raw bytes.
#pragma once

#include <napi.h>

namespace nodeswitch {

void register_classifier_testing(Napi::Env env, Napi::Object testing);

}  // namespace nodeswitch
