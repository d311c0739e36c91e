// forward-afpacket-1500: the forward-afpacket-64 measurement with MTU-sized frames —
// 1514-byte frames (a 1500-byte IPv4 packet, 1518 bytes on the wire with the FCS) —
// reported as Gbit/s at the receiver, on the same veth topology against the same
// references. Same generator (trafgen, one process, one UDP flow to an IP b does not
// own) and the same window; the receiver's rate is b's eth0 rx_bytes.
import { measureForward, TRAFGEN, vethPath } from './forward.js';
import type { Scenario } from './scenario.js';

/** Ethernet header + a 1500-byte IPv4 packet, without the FCS. */
const FRAME_LEN = 1514;

export const forward1500: Scenario = {
  name: 'forward-afpacket-1500',
  metrics: [
    { name: 'received', unit: 'Gbit/s', digits: 2 },
    { name: 'received frames', unit: 'Mpps', digits: 3 },
    { name: 'generator sent', unit: 'Gbit/s', digits: 2 },
    { name: 'delivered', unit: '%', digits: 1 },
  ],
  tools: TRAFGEN,
  note:
    `${FRAME_LEN}-byte frames (a 1500-byte IPv4/UDP packet; Gbit/s count the frame's bytes as eth0's rx_bytes does, ` +
    "without FCS, preamble or gap). As for 64-byte frames, a Linux bridge forwards on the generator's own core.",

  async run(topo, log) {
    const m = await measureForward(topo, log, vethPath(topo), FRAME_LEN);
    return {
      received: (m.rxBps * 8) / 1e9,
      'received frames': m.rxPps / 1e6,
      'generator sent': (m.txPps * FRAME_LEN * 8) / 1e9,
      delivered: m.delivered,
    };
  },
};
