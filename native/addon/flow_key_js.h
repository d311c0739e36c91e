// FlowKey → plain JS object, for parseFrame() (tests, `nodeswitch trace`).
//
// Field names are ovs-ofctl's. L2 fields are always there (unless the frame is a
// runt: then the object is just { status: 'runt' }); L3 and L4 fields appear only
// when the key holds them (l3_ofs / l4_ofs set, see parse/flow_key.h), so an
// absent field means "not in this packet", never "zero". Not on the hot path.
#pragma once

#include <napi.h>

#include "parse/flow_key.h"

namespace nodeswitch {

Napi::Value flow_key_to_js(Napi::Env env, const FlowKey& key, ParseStatus status);

}  // namespace nodeswitch
