// addon.constants: every number and name C++ and TypeScript share, built at load
// from the C++ definitions (X-macro lists and constexprs), so TypeScript holds no
// copy of them; test/native/constants.test.ts checks the types src/native.ts
// declares against what is exported here.
//
//   burst, maxFrame, flowKeySize, maxOfport, resubmitCurrentTable
//   ofpp: {max, inPort, table, normal, flood, all, controller, local, any}
//   op: {output: 1, …}                    dp/of_action.h NS_OP_CODES
//   packetInReasons: ['no_match', …]      index = OpenFlow reason code
//   portTypes: ['afpacket', …]            port/port_type.h NS_PORT_TYPES
//   datapathPoll: ['adaptive', …]         dp/poll_mode.h NS_POLL_MODES
//   counters: {port: [...], bridge: [...]}  core/counters.h, in struct order
#pragma once

#include <napi.h>

namespace nodeswitch {

Napi::Object constants_to_js(Napi::Env env);

}  // namespace nodeswitch
