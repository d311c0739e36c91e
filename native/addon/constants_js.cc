#include "addon/constants_js.h"

#include "addon/counters_js.h"
#include "core/packet.h"
#include "dp/of_action.h"
#include "dp/controller_batch.h"
#include "dp/poll_mode.h"
#include "dp/upcall_batch.h"
#include "parse/flow_key.h"
#include "port/port_type.h"

namespace nodeswitch {

namespace {

template <size_t N>
Napi::Array names_to_js(Napi::Env env, const char* const (&names)[N]) {
  Napi::Array a = Napi::Array::New(env, N);
  for (uint32_t i = 0; i < N; i++) a.Set(i, names[i]);
  return a;
}

}  // namespace

Napi::Object constants_to_js(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("burst", kBurst);
  c.Set("maxFrame", kMaxFrame);
  c.Set("flowKeySize", uint32_t(sizeof(FlowKey)));
  c.Set("maxOfport", uint32_t(kMaxOfport));
  c.Set("resubmitCurrentTable", kResubmitCurrentTable);

  Napi::Object ofpp = Napi::Object::New(env);
#define NS_SET_OFPP(name, js, value) ofpp.Set(#js, name);
  NS_OFPP(NS_SET_OFPP)
#undef NS_SET_OFPP
  c.Set("ofpp", ofpp);

  Napi::Object op = Napi::Object::New(env);
#define NS_SET_OP(name, js) op.Set(#js, uint32_t(OpCode::name));
  NS_OP_CODES(NS_SET_OP)
#undef NS_SET_OP
  c.Set("op", op);

  Napi::Array reasons = Napi::Array::New(env);
#define NS_SET_REASON(name, value, js) reasons.Set(uint32_t(value), #js);
  NS_PACKET_IN_REASONS(NS_SET_REASON)
#undef NS_SET_REASON
  c.Set("packetInReasons", reasons);

  c.Set("portTypes", names_to_js(env, kPortTypeNames));
  c.Set("datapathPoll", names_to_js(env, kPollModeNames));

  // A packet-in batch's records: their u32 fields, in order (dp/upcall_batch.h).
  Napi::Array fields = Napi::Array::New(env);
#define NS_SET_FIELD(name, js) fields.Set(uint32_t(name), #js);
  NS_PACKET_IN_FIELDS(NS_SET_FIELD)
#undef NS_SET_FIELD
  c.Set("packetInFields", fields);

  // A controller batch's packet-out records (dp/controller_batch.h).
  Napi::Array out_fields = Napi::Array::New(env);
#define NS_SET_FIELD(name, js) out_fields.Set(uint32_t(name), #js);
  NS_PACKET_OUT_FIELDS(NS_SET_FIELD)
#undef NS_SET_FIELD
  c.Set("packetOutFields", out_fields);

  c.Set("counters", counter_names_to_js(env));
  return c;
}

}  // namespace nodeswitch
