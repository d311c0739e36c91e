// Frames that arrive with offload state (partial checksums, GSO super-frames) and
// leave by a port that takes none: the datapath must finish them in software.
import { afterEach, describe, expect, it } from 'vitest';
import { Switch } from '../../src/switch.js';
import type { Bridge } from '../../src/bridge.js';
import { checksumErrors, PROTO_TCP, PROTO_UDP, pseudoSum, TCP_ACK, TCP_FIN, TCP_PSH, tcp4, tcp6, udp4, udp6 } from './packets.js';

const GSO_TCPV4 = 1;
const GSO_TCPV6 = 4;
const GSO_UDP_L4 = 5;

/** Ethernet + IPv4 or IPv6 + TCP (flags ACK|PSH|FIN|CWR) or UDP + payload, its L4 checksum left partial. */
function superFrame(v6: boolean, proto: 6 | 17, payload: Buffer): { frame: Buffer; l4: number } {
  const eth = { pad: false };
  const ip6 = { src: '2001:db8::1', dst: '2001:db8::2' };
  // Sequence numbers wrap inside the super-frame.
  const tcp = { sport: 40000, dport: 80, seq: 0xfffff000, ack: 1, flags: TCP_ACK | TCP_PSH | TCP_FIN | 0x80, payload };
  const udp = { sport: 5000, dport: 53, payload };
  const frame =
    proto === PROTO_TCP ? (v6 ? tcp6({ eth, ip: ip6, l4: tcp }) : tcp4({ eth, l4: tcp })) : v6 ? udp6({ eth, ip: ip6, l4: udp }) : udp4({ eth, l4: udp });
  const l4 = 14 + (v6 ? 40 : 20);
  // As a device would get it: the pseudo-header sum only, left for it to finish.
  const [src, dst] = v6 ? [frame.subarray(22, 38), frame.subarray(38, 54)] : [frame.subarray(26, 30), frame.subarray(30, 34)];
  frame.writeUInt16BE(pseudoSum(src, dst, proto, frame.length - l4), l4 + (proto === PROTO_TCP ? 16 : 6));
  return { frame, l4 };
}

function checkSegment(seg: Buffer, v6: boolean, proto: number): void {
  const l3 = seg.subarray(14, v6 ? 54 : 34);
  const l4 = seg.subarray(v6 ? 54 : 34);
  if (v6) expect(l3.readUInt16BE(4)).toBe(l4.length);
  else expect(l3.readUInt16BE(2)).toBe(20 + l4.length);
  expect(checksumErrors(seg)).toEqual([]);
  if (proto === PROTO_UDP) expect(l4.readUInt16BE(6), 'a UDP checksum, not "none"').not.toBe(0);
}

let sw: Switch;
let br: Bridge;

async function twoMemPorts(): Promise<void> {
  sw = new Switch();
  br = sw.addBridge('offl');
  await br.addPort('m1', { type: 'mem' });
  await br.addPort('m2', { type: 'mem' });
}

afterEach(async () => {
  await sw?.close();
});

describe('offloads finished in software for ports that take none', () => {
  it('finishes a partial TCP checksum', async () => {
    await twoMemPorts();
    const { frame, l4 } = superFrame(false, 6, Buffer.from('hello, switch'));
    await br.inject('m1', [frame], { gsoType: 0, gsoSize: 0, csumStart: l4, csumOffset: 16 });
    const [out] = await br.drain('m2');
    checkSegment(out, false, 6);
    expect(out.subarray(0, l4 + 16).equals(frame.subarray(0, l4 + 16))).toBe(true);
  });

  for (const v6 of [false, true]) {
    it(`segments a TCP/IPv${v6 ? 6 : 4} super-frame at gso_size`, async () => {
      await twoMemPorts();
      const payload = Buffer.alloc(4500, 0);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
      const { frame, l4 } = superFrame(v6, 6, payload);
      await br.inject('m1', [frame], { gsoType: v6 ? GSO_TCPV6 : GSO_TCPV4, gsoSize: 1000, csumStart: l4, csumOffset: 16 });
      const segs = await br.drain('m2');
      expect(segs.map((s) => s.length - l4 - 20)).toEqual([1000, 1000, 1000, 1000, 500]);
      segs.forEach((seg, i) => {
        checkSegment(seg, v6, 6);
        const tcp = seg.subarray(l4);
        expect(tcp.readUInt32BE(4)).toBe((0xfffff000 + i * 1000) >>> 0);
        const last = i === segs.length - 1;
        expect(tcp[13] & 0x09, 'FIN/PSH only on the last').toBe(last ? 0x09 : 0);
        expect(tcp[13] & 0x80, 'CWR only on the first').toBe(i === 0 ? 0x80 : 0);
        expect(tcp.subarray(20).equals(payload.subarray(i * 1000, i * 1000 + 1000))).toBe(true);
        if (!v6) expect(seg.readUInt16BE(18)).toBe(0x1234 + i); // IPv4 ID advances
      });
      const [m2] = await br.portStats('m2');
      expect(m2.txPackets).toBe(5);
      expect(m2.txErrors).toBe(0);
    });
  }

  it('segments a UDP GSO super-frame into datagrams', async () => {
    await twoMemPorts();
    const payload = Buffer.alloc(2500, 0xab);
    const { frame, l4 } = superFrame(false, 17, payload);
    await br.inject('m1', [frame], { gsoType: GSO_UDP_L4, gsoSize: 1200, csumStart: l4, csumOffset: 6 });
    const segs = await br.drain('m2');
    expect(segs.map((s) => s.readUInt16BE(l4 + 4))).toEqual([1208, 1208, 108]);
    for (const seg of segs) checkSegment(seg, false, 17);
  });

  it('counts a super-frame it cannot segment as a tx error, and forwards the rest', async () => {
    await twoMemPorts();
    const { frame, l4 } = superFrame(false, 17, Buffer.alloc(100));
    // Claims TCP segmentation on a UDP packet: nothing sensible to do.
    await br.inject('m1', [frame], { gsoType: GSO_TCPV4, gsoSize: 50, csumStart: l4, csumOffset: 16 });
    await br.inject('m1', [superFrame(false, 17, Buffer.alloc(10)).frame]);
    expect(await br.drain('m2')).toHaveLength(1);
    const [m2] = await br.portStats('m2');
    expect(m2.txErrors).toBe(1);
  });
});
