// The switch never crashes on traffic: random frames, random lengths, and random
// (nonsensical) offload state go through the whole datapath, and every frame is
// accounted for.
import { afterEach, describe, expect, it } from 'vitest';
import { Switch } from '../../src/switch.js';
import { prng } from '../lab/prng.js';

let sw: Switch;

afterEach(async () => {
  await sw?.close();
});

function randomFrame(rand: () => number): Buffer {
  const len = rand() < 0.2 ? Math.floor(rand() * 20) : Math.floor(rand() * 1600);
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(rand() * 256);
  // Most frames look like IPv4 or IPv6 so that the deeper parsers run too.
  if (len >= 14 && rand() < 0.6) b.writeUInt16BE(rand() < 0.5 ? 0x0800 : 0x86dd, 12);
  if (len >= 15 && rand() < 0.5) b[14] = 0x45;
  return b;
}

describe('garbage through the datapath', () => {
  it('forwards or drops every frame and keeps running', async () => {
    sw = new Switch();
    const br = sw.addBridge('garb');
    for (const p of ['m1', 'm2', 'm3']) await br.addPort(p, { type: 'mem' });
    const rand = prng(7);
    let sent = 0;
    for (let round = 0; round < 40; round++) {
      const frames = Array.from({ length: 100 }, () => randomFrame(rand));
      const port = `m${1 + (round % 3)}`;
      // Half the rounds claim offload state, much of it impossible.
      const offload =
        round % 2 === 0
          ? undefined
          : {
              gsoType: [0, 1, 3, 4, 5, 0x81, 9][round % 7],
              gsoSize: Math.floor(rand() * 2000),
              csumStart: Math.floor(rand() * 1700),
              csumOffset: Math.floor(rand() * 40),
            };
      await br.inject(port, frames, offload);
      sent += frames.length;
    }
    const stats = await br.portStats();
    expect(stats.reduce((n, p) => n + p.rxPackets, 0)).toBe(sent);
    // Still a switch: a clean frame goes through.
    const frame = Buffer.concat([Buffer.from('ffffffffffff020000000001', 'hex'), Buffer.from('88b5', 'hex'), Buffer.alloc(46)]);
    for (const p of ['m1', 'm2', 'm3']) await br.drain(p);
    await br.inject('m1', [frame]);
    expect((await br.drain('m2'))[0]?.equals(frame)).toBe(true);
  });
});
