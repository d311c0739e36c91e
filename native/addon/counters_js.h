// Counter structs → JS: one key per field, in native/core/counters.h's order, so
// the stats objects and addon.constants.counters come from the same X-macro.
#pragma once

#include <napi.h>

#include "core/counters.h"

namespace nodeswitch {

void set_port_counters(Napi::Object o, const PortCounters& c);
void set_bridge_counters(Napi::Object o, const BridgeCounters& c);
void set_cache_counters(Napi::Object o, const CacheCounters& c);
// {port: [name…], bridge: [name…], cache: [name…]}
Napi::Object counter_names_to_js(Napi::Env env);

}  // namespace nodeswitch
