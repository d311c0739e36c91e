// The native trace reader for JavaScript: `nodeswitch inject` reads its trace with
// it (src/daemon/inject.ts), so a file is validated whole, with the byte offset of
// the first problem, by the same code that replay uses.
//
//   readPcap(path) → {format: 'pcap'|'pcapng', count, truncated, interfaces,
//                     records: [{caplen, len, tsNs: bigint, interface, data: Buffer}]}
//                    or throws the reader's validation error ("PATH: byte N: REASON")
#pragma once

#include <napi.h>

namespace nodeswitch {

Napi::Value JsReadPcap(const Napi::CallbackInfo& info);

}  // namespace nodeswitch
