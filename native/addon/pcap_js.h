// Test-only glue: the pcap reader, writer and port, exposed as addon.testing.* so
// test/native/pcap.test.ts can check them against files written in TS, and read
// what we write back (and with tcpdump). Not used by the datapath or the public API.
//
//   pcapRead(path) → {format: 'pcap'|'pcapng', count, truncated, interfaces,
//                     records: [{caplen, len, tsNs: bigint, interface, data: Buffer}]}
//                    or throws the reader's validation error ("PATH: byte N: REASON")
//   pcapWrite(path, [{data: Buffer, tsNs: bigint|number}], {nanosecond?, snaplen?})
//                  → records written
//   pcapReplay({in, out?, repeat?, pushVlan?}) → counters: frames from `in` through a
//     PcapPort, burst by burst, sent to a second PcapPort writing `out` (with each
//     frame's input timestamp), optionally with an 802.1Q tag pushed into the headroom first
//     (as the datapath's push_vlan does):
//     {bursts, rxPackets, rxDropped, rxErrors, txPackets, txBytes, truncated,
//      oversize, eof}
#pragma once

#include <napi.h>

namespace nodeswitch {

void register_pcap_testing(Napi::Env env, Napi::Object testing);

}  // namespace nodeswitch
