// FlowKey → JS: the parsed view for parseFrame() (tests, packet-out checks), and
// the raw layout TypeScript builds match keys and masks with (src/ofproto/compile.ts).
//
// flow_key_to_js: field names are ovs-ofctl's. L2 fields are always there (unless the frame is a
// runt: then the object is just { status: 'runt' }); L3 and L4 fields appear only
// when the key holds them (l3_ofs / l4_ofs set, see parse/flow_key.h), so an
// absent field means "not in this packet", never "zero". Not on the hot path.
#pragma once

#include <napi.h>

#include <string>

#include "parse/flow_key.h"

namespace nodeswitch {

Napi::Value flow_key_to_js(Napi::Env env, const FlowKey& key, ParseStatus status);
// {field: [offset, size]} for every FlowKey field, from offsetof; numbers in a raw
// key are host (little-endian) order.
Napi::Object flow_key_layout_to_js(Napi::Env env);
// "aa:bb:cc:dd:ee:ff"
std::string mac_text(const MacAddr& m);

}  // namespace nodeswitch
