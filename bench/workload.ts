// Shared by the benchmarks: frames in slabs, rule sets and a GC for memory figures,
// so every scenario measures the same workloads. Randomness is the tests' seeded
// PRNG (test/lab/prng.ts), frames are the one frame builder's.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tcp4 } from '../src/packet/frame-builder.js';
import { prngU32 } from '../test/lab/prng.js';

export function ipStr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export const FRAME_LEN = 60; // 64 on the wire with the FCS
/** Frames are written into one slab of SLOT-byte slots, not a buffer each. */
export const SLOT = 64;

/** The two hosts' MACs: a = 02:00:00:00:00:01, b = 02:00:00:00:00:02. */
export const MAC_A = Buffer.from('020000000001', 'hex');
export const MAC_B = Buffer.from('020000000002', 'hex');

/** The first `n` frames of a slab, each FRAME_LEN bytes of its slot. */
export function frameViews(buf: Buffer, n: number): Buffer[] {
  const out: Buffer[] = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) out[i] = buf.subarray(i * SLOT, i * SLOT + FRAME_LEN);
  return out;
}

const NO_PAYLOAD = Buffer.alloc(0);

function ipBytes(a: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(a >>> 0, 0);
  return b;
}

/** Writes a 60-byte Ethernet/IPv4/TCP ACK without payload at `off` (the one frame builder's). */
export function writeTcpFrame(buf: Buffer, off: number, dst: Buffer, src: Buffer, sip: number, dip: number, sport: number, dport: number): void {
  const ip = { src: ipBytes(sip), dst: ipBytes(dip), id: 0 };
  tcp4({ eth: { dst, src }, ip, l4: { sport, dport, seq: 0, ack: 0, window: 0xffff, payload: NO_PAYLOAD } }).copy(buf, off);
}

export interface ClassifierRule {
  /** Masks 0, 2, 4…: nw_dst/len; 1, 3, 5…: nw_src/len + tp_dst. */
  kind: 'dst' | 'src';
  len: number;
  addr: number;
  port: number;
}

/** `total` rules over `masks` distinct masks, total/masks per mask; longer prefixes win. */
/** With `l4: false` the source-prefix rules match no port (every rule wildcards L4). */
export function classifierRules(seed: number, total: number, masks: number, opts: { l4?: boolean } = {}): ClassifierRule[] {
  const next = prngU32(seed);
  const rules: ClassifierRule[] = [];
  const perMask = total / masks;
  for (let k = 0; k < masks; k++) {
    const kind = k % 2 === 0 ? 'dst' : 'src';
    const len = 14 + (k >> 1) * 2 - (k % 2); // dst /14 /16 … /32, src /13 /15 … /31
    const mask = len === 32 ? 0xffffffff : ~(0xffffffff >>> len) >>> 0;
    const seen = new Set<string>();
    while (seen.size < perMask) {
      const addr = (next() & mask) >>> 0;
      const port = kind === 'src' && opts.l4 !== false ? 1 + (next() % 1024) : 0;
      const sig = `${addr}/${port}`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      rules.push({ kind, len, addr, port });
    }
  }
  return rules;
}

/** The rules as an ovs-ofctl flows file, every rule sending to port 2. */
export function classifierFlowText(rules: readonly ClassifierRule[]): string {
  return (
    rules
      .map((r) =>
        r.kind === 'dst'
          ? `priority=${r.len * 2},tcp,nw_dst=${ipStr(r.addr)}/${r.len},actions=output:2`
          : `priority=${r.len * 2},tcp,nw_src=${ipStr(r.addr)}/${r.len}${r.port ? `,tp_dst=${r.port}` : ''},actions=output:2`,
      )
      .join('\n') + '\n'
  );
}

let gcFn: (() => void) | undefined | null;
/** A full GC when one can be had (--expose-gc, or turned on here); false otherwise. */
export function collect(): boolean {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      try {
        setFlagsFromString('--expose-gc');
        gcFn = runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  if (!gcFn) return false;
  gcFn();
  gcFn();
  return true;
}
