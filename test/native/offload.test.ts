// Frames that arrive with offload state (partial checksums, GSO super-frames) and
// leave by a port that takes none: the datapath must finish them in software.
import { afterEach, describe, expect, it } from 'vitest';
import { Switch } from '../../src/switch.js';
import type { Bridge } from '../../src/bridge.js';
import { mac } from './frames.js';

const GSO_TCPV4 = 1;
const GSO_TCPV6 = 4;
const GSO_UDP_L4 = 5;

function sum16(buf: Buffer, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) s += buf.readUInt16BE(i);
  if (buf.length & 1) s += buf[buf.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function pseudoSum(l3: Buffer, v6: boolean, proto: number, l4len: number): number {
  const addrs = v6 ? l3.subarray(8, 40) : l3.subarray(12, 20);
  return sum16(addrs, proto + l4len);
}

/** Ethernet + IPv4 or IPv6 + TCP (20 bytes, flags ACK|PSH|FIN) or UDP + payload. */
function superFrame(v6: boolean, proto: 6 | 17, payload: Buffer): { frame: Buffer; l4: number } {
  const eth = Buffer.concat([mac('02:00:00:00:00:02'), mac('02:00:00:00:00:01'), Buffer.from(v6 ? '86dd' : '0800', 'hex')]);
  const l4len = (proto === 6 ? 20 : 8) + payload.length;
  let l3: Buffer;
  if (v6) {
    l3 = Buffer.alloc(40);
    l3.writeUInt32BE(0x60000000, 0);
    l3.writeUInt16BE(l4len, 4);
    l3[6] = proto;
    l3[7] = 64;
    Buffer.from('20010db8000000000000000000000001', 'hex').copy(l3, 8);
    Buffer.from('20010db8000000000000000000000002', 'hex').copy(l3, 24);
  } else {
    l3 = Buffer.alloc(20);
    l3[0] = 0x45;
    l3.writeUInt16BE(20 + l4len, 2);
    l3.writeUInt16BE(0x1234, 4);
    l3[8] = 64;
    l3[9] = proto;
    Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(l3, 12);
    l3.writeUInt16BE(~sum16(l3) & 0xffff, 10);
  }
  let l4: Buffer;
  if (proto === 6) {
    l4 = Buffer.alloc(20);
    l4.writeUInt16BE(40000, 0);
    l4.writeUInt16BE(80, 2);
    l4.writeUInt32BE(0xfffff000, 4); // sequence numbers wrap inside the super-frame
    l4.writeUInt32BE(1, 8);
    l4[12] = 5 << 4;
    l4[13] = 0x10 | 0x08 | 0x01 | 0x80; // ACK PSH FIN CWR
    l4.writeUInt16BE(65535, 14);
    // As a device would get it: the pseudo-header sum only, left for it to finish.
    l4.writeUInt16BE(pseudoSum(l3, v6, 6, l4len), 16);
  } else {
    l4 = Buffer.alloc(8);
    l4.writeUInt16BE(5000, 0);
    l4.writeUInt16BE(53, 2);
    l4.writeUInt16BE(l4len, 4);
    l4.writeUInt16BE(pseudoSum(l3, v6, 17, l4len), 6);
  }
  return { frame: Buffer.concat([eth, l3, l4, payload]), l4: eth.length + l3.length };
}

function checkSegment(seg: Buffer, v6: boolean, proto: number): void {
  const l3 = seg.subarray(14, v6 ? 54 : 34);
  const l4 = seg.subarray(v6 ? 54 : 34);
  if (v6) expect(l3.readUInt16BE(4)).toBe(l4.length);
  else {
    expect(l3.readUInt16BE(2)).toBe(20 + l4.length);
    expect(sum16(l3)).toBe(0xffff); // header checksum verifies
  }
  expect(sum16(l4, pseudoSum(l3, v6, proto, l4.length))).toBe(0xffff);
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
