#include "addon/constants_js.h"

#include "addon/counters_js.h"
#include "core/packet.h"
#include "dp/of_action.h"
#include "dp/poll_mode.h"
#include "parse/flow_key.h"
#include "port/port_type.h"

namespace nodeswitch {

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

  Napi::Array types = Napi::Array::New(env);
  uint32_t i = 0;
#define NS_PUSH_TYPE(name, text) types.Set(i++, #text);
  NS_PORT_TYPES(NS_PUSH_TYPE)
#undef NS_PUSH_TYPE
  c.Set("portTypes", types);

  Napi::Array poll = Napi::Array::New(env);
  i = 0;
#define NS_PUSH_MODE(name, text) poll.Set(i++, #text);
  NS_POLL_MODES(NS_PUSH_MODE)
#undef NS_PUSH_MODE
  c.Set("datapathPoll", poll);

  c.Set("counters", counter_names_to_js(env));
  return c;
}

}  // namespace nodeswitch
