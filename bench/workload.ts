// Shared by the benchmarks: deterministic randomness, frame builders, rule sets and
// a GC for memory figures, so every scenario measures the same workloads.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Deterministic PRNG (xorshift32), so every run measures the same rules and frames. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

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

/**
 * Writes a 60-byte Ethernet/IPv4/TCP frame at `off`: the IPv4 header checksum is
 * right, the TCP one is left 0 (nothing on the path checks it).
 */
export function writeTcpFrame(buf: Buffer, off: number, dst: Buffer, src: Buffer, sip: number, dip: number, sport: number, dport: number): void {
  buf.fill(0, off, off + FRAME_LEN);
  dst.copy(buf, off);
  src.copy(buf, off + 6);
  buf.writeUInt16BE(0x0800, off + 12);
  const ip = off + 14;
  buf[ip] = 0x45;
  buf.writeUInt16BE(40, ip + 2);
  buf[ip + 8] = 64;
  buf[ip + 9] = 6;
  buf.writeUInt32BE(sip >>> 0, ip + 12);
  buf.writeUInt32BE(dip >>> 0, ip + 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += buf.readUInt16BE(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  buf.writeUInt16BE(~sum & 0xffff, ip + 10);
  const tcp = ip + 20;
  buf.writeUInt16BE(sport, tcp);
  buf.writeUInt16BE(dport, tcp + 2);
  buf[tcp + 12] = 0x50;
  buf[tcp + 13] = 0x10; // ACK
  buf.writeUInt16BE(0xffff, tcp + 14);
}

export interface ClassifierRule {
  /** Masks 0, 2, 4…: nw_dst/len; 1, 3, 5…: nw_src/len + tp_dst. */
  kind: 'dst' | 'src';
  len: number;
  addr: number;
  port: number;
}

/** `total` rules over `masks` distinct masks, total/masks per mask; longer prefixes win. */
export function classifierRules(seed: number, total: number, masks: number): ClassifierRule[] {
  const next = rng(seed);
  const rules: ClassifierRule[] = [];
  const perMask = total / masks;
  for (let k = 0; k < masks; k++) {
    const kind = k % 2 === 0 ? 'dst' : 'src';
    const len = 14 + (k >> 1) * 2 - (k % 2); // dst /14 /16 … /32, src /13 /15 … /31
    const mask = len === 32 ? 0xffffffff : ~(0xffffffff >>> len) >>> 0;
    const seen = new Set<string>();
    while (seen.size < perMask) {
      const addr = (next() & mask) >>> 0;
      const port = kind === 'src' ? 1 + (next() % 1024) : 0;
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
          : `priority=${r.len * 2},tcp,nw_src=${ipStr(r.addr)}/${r.len},tp_dst=${r.port},actions=output:2`,
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
