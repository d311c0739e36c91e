// Test-only glue: the classifier, the microflow cache and the raw FlowKey layout,
// exposed as addon.testing.* so test/native/classifier.test.ts can check them
// against a naive TS model. Not used by the datapath or the public API.
//
//   classify(rules, frames, {cache?, inPorts?}) → number[]   index in rules, or -1
//   flowKeyBytes(frame, inPort?) → Buffer(132)   the raw key the parser makes
//   flowKeyLayout() → {field: [offset, size]}   from offsetof, for building masks
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
