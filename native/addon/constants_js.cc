#include "addon/constants_js.h"

#include "addon/counters_js.h"
#include "core/packet.h"
#include "dp/bond.h"
#include "dp/flow_batch.h"
#include "dp/group_table.h"
#include "dp/of_action.h"
#include "dp/controller_batch.h"
#include "dp/poll_mode.h"
#include "dp/vlan.h"
#include "dp/stages/shaper.h"
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

// {headerSize, actionSize, wordSize, words, header: {name: [offset, size]}, action: {…}, flags: {name: bit}}
Napi::Object flow_batch_layout_to_js(Napi::Env env) {
  Napi::Object b = Napi::Object::New(env);
  b.Set("headerSize", uint32_t(kFlowBatchHeaderSize));
  b.Set("actionSize", uint32_t(kFlowBatchActionSize));
  b.Set("wordSize", uint32_t(kFlowBatchWordSize));
  b.Set("words", uint32_t(kFlowBatchWords));
  auto place = [&](uint32_t offset, uint32_t size) {
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(uint32_t(0), offset);
    a.Set(uint32_t(1), size);
    return a;
  };
  Napi::Object header = Napi::Object::New(env);
#define NS_SET_FIELD(js, offset, size) header.Set(#js, place(offset, size));
  NS_FLOW_BATCH_HEADER(NS_SET_FIELD)
#undef NS_SET_FIELD
  b.Set("header", header);
  Napi::Object action = Napi::Object::New(env);
#define NS_SET_FIELD(js, offset, size) action.Set(#js, place(offset, size));
  NS_FLOW_BATCH_ACTION(NS_SET_FIELD)
#undef NS_SET_FIELD
  b.Set("action", action);
  Napi::Object flags = Napi::Object::New(env);
#define NS_SET_FLAG(name, js, bit) flags.Set(#js, uint32_t(bit));
  NS_FLOW_BATCH_FLAGS(NS_SET_FLAG)
#undef NS_SET_FLAG
  b.Set("flags", flags);
  return b;
}

}  // namespace

Napi::Object constants_to_js(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("burst", kBurst);
  c.Set("maxFrame", kMaxFrame);
  c.Set("flowKeySize", uint32_t(sizeof(FlowKey)));
  c.Set("maxOfport", uint32_t(kMaxOfport));
  c.Set("resubmitCurrentTable", kResubmitCurrentTable);
  c.Set("groupTypes", names_to_js(env, kGroupTypeNames));
  c.Set("groupMaxBuckets", GroupTable::kMaxBuckets);
  c.Set("ofpgAny", kOfpgAny);
  c.Set("maxQueues", kMaxQueues);
  c.Set("queueFrames", kQueueFrames);
  c.Set("queueBytes", kQueueBytes);

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
  c.Set("vlanModes", names_to_js(env, kVlanModeNames));
  c.Set("bondModes", names_to_js(env, kBondModeNames));
  c.Set("lacpModes", names_to_js(env, kLacpModeNames));
  c.Set("lacpTimes", names_to_js(env, kLacpTimeNames));

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
  c.Set("flowBatch", flow_batch_layout_to_js(env));
  return c;
}

}  // namespace nodeswitch
