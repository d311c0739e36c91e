// Test-only glue (the nodeswitch_testing addon): the pcap writer and port, so
// test/native/pcap.test.ts can read what the writer writes back (with the
// production reader, addon.readPcap, and with tcpdump) and replay files through a
// port burst by burst. Not in the production addon.
//
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
