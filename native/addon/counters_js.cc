#include "addon/counters_js.h"

namespace nodeswitch {

// Counters go to JS as doubles: exact up to 2^53, which no counter reaches.
#define NS_SET_COUNTER(field, js) o.Set(#js, double(c.field));

void set_port_counters(Napi::Object o, const PortCounters& c) { NS_PORT_COUNTERS(NS_SET_COUNTER) }

void set_bridge_counters(Napi::Object o, const BridgeCounters& c) { NS_BRIDGE_COUNTERS(NS_SET_COUNTER) }

void set_cache_counters(Napi::Object o, const CacheCounters& c){NS_CACHE_COUNTERS(NS_SET_COUNTER)}
#undef NS_SET_COUNTER

Napi::Object counter_names_to_js(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  uint32_t i;
#define NS_PUSH_NAME(field, js) names.Set(i++, #js);
  Napi::Array names = Napi::Array::New(env);
  i = 0;
  NS_PORT_COUNTERS(NS_PUSH_NAME)
  o.Set("port", names);
  names = Napi::Array::New(env);
  i = 0;
  NS_BRIDGE_COUNTERS(NS_PUSH_NAME)
  o.Set("bridge", names);
  names = Napi::Array::New(env);
  i = 0;
  NS_CACHE_COUNTERS(NS_PUSH_NAME)
  o.Set("cache", names);
#undef NS_PUSH_NAME
  return o;
}

}  // namespace nodeswitch
