// Flows and actions between JavaScript and the datapath: the compiled form
// src/ofproto/compile.ts produces, checked here (types, ranges, sizes) and turned
// into FlowEntry / OfAction. Everything a user can get wrong was checked in
// TypeScript already; what reaches here wrong is a bug and throws a TypeError.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "dp/flow_batch.h"
#include "dp/flow_table.h"
#include "dp/of_action.h"
#include "dp/pipeline.h"

namespace nodeswitch {

// {code, port?, u32?, u64?: bigint, u64b?: bigint, bytes?: Buffer}[]
std::vector<OfAction> actions_from_js(Napi::Env env, Napi::Value list);
// {id, table, priority, cookie: bigint, key: Buffer, mask: Buffer, apply, write,
//  clearActions, writeMetadata?: {value, mask}, gotoTable?}
std::unique_ptr<FlowEntry> flow_from_js(Napi::Env env, Napi::Value spec);
// The flows of a flow batch (dp/flow_batch.h) in a Buffer; `what` names the call in errors.
std::vector<std::unique_ptr<FlowEntry>> flows_from_batch(Napi::Env env, Napi::Value batch, const char* what);
// A raw FlowKey from a Buffer of sizeof(FlowKey).
FlowKey flow_key_from_js(Napi::Env env, Napi::Value buffer);
Napi::Value action_to_js(Napi::Env env, const OfAction& a);

}  // namespace nodeswitch
