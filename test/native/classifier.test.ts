// The OpenFlow classifier and the microflow cache (native/table/classifier.*,
// microflow_cache.*) through the test-only addon (test/helpers/native-testing.ts):
// the test-classifier.c idea — a naive linear classifier in TS checked against the
// C++ one under random rule sets over
// ~20 realistic mask shapes, random priorities and frames built to hit the rules,
// with and without the cache, under insertion and removal — plus unit cases.
import { endianness } from 'node:os';
import { describe, expect, it } from 'vitest';
import { addon, constants } from '../../src/native.js';
import { type RuleSpec, testing } from '../helpers/native-testing.js';
import { prng } from '../lab/prng.js';
import { arp, ETH_EXPERIMENTAL, ethernet, ethFrame, type EthOpts, icmp4, icmp6, PROTO_TCP, PROTO_UDP, tcp4, tcp6, udp4, udp6 } from './packets.js';

const LAYOUT = addon.flowKeyLayout;
const KEY_SIZE = constants.flowKeySize;

// ---- keys and masks by field name ----------------------------------------------------

type FieldValue = number | Buffer;

function field(name: string): [number, number] {
  const f = LAYOUT[name];
  if (!f) throw new Error(`no FlowKey field ${name}`);
  return f;
}

/** Numbers are host order (the key's), byte arrays raw. */
function setField(buf: Buffer, name: string, value: FieldValue): void {
  const [ofs, size] = field(name);
  if (Buffer.isBuffer(value)) {
    if (value.length !== size) throw new Error(`${name}: ${value.length} bytes, want ${size}`);
    value.copy(buf, ofs);
  } else if (size === 1) buf.writeUInt8(value, ofs);
  else if (size === 2) buf.writeUInt16LE(value, ofs);
  else if (size === 4) buf.writeUInt32LE(value >>> 0, ofs);
  else throw new Error(`${name} is a byte array`);
}

function getField(buf: Buffer, name: string): number {
  const [ofs, size] = field(name);
  if (size === 1) return buf.readUInt8(ofs);
  if (size === 2) return buf.readUInt16LE(ofs);
  if (size === 4) return buf.readUInt32LE(ofs);
  throw new Error(`${name} is a byte array`);
}

function build(fields: Record<string, FieldValue>): Buffer {
  const b = Buffer.alloc(KEY_SIZE);
  for (const [name, v] of Object.entries(fields)) setField(b, name, v);
  return b;
}

const ONES = (n: number) => Buffer.alloc(n, 0xff);
/** Full mask of a field. */
function full(name: string): FieldValue {
  const size = field(name)[1];
  return size <= 4 ? Number(2n ** BigInt(8 * size) - 1n) : ONES(size);
}
function prefix32(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}
function prefixBytes(n: number, bits: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < bits; i++) b[i >> 3]! |= 0x80 >> (i & 7);
  return b;
}
function maskOf(...names: string[]): Record<string, FieldValue> {
  return Object.fromEntries(names.map((n) => [n, full(n)]));
}

function and(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
}

// ---- the naive model ---------------------------------------------------------------

interface ModelRule extends RuleSpec {
  id: number;
  bytes: number[]; // indices of the mask's non-zero bytes
}

function modelRule(id: number, spec: RuleSpec): ModelRule {
  const bytes: number[] = [];
  for (let i = 0; i < KEY_SIZE; i++) if (spec.mask[i]) bytes.push(i);
  return { ...spec, key: and(spec.key, spec.mask), id, bytes };
}

function ruleMatches(r: ModelRule, key: Buffer): boolean {
  for (const i of r.bytes) if ((key[i]! & r.mask[i]!) !== r.key[i]) return false;
  return true;
}

/** The highest-priority matching rule's id, or -1 (the rule sets have no equal-priority overlaps). */
function modelLookup(rules: Iterable<ModelRule>, key: Buffer): number {
  let best: ModelRule | undefined;
  for (const r of rules) {
    if ((!best || r.priority > best.priority) && ruleMatches(r, key)) best = r;
  }
  return best ? best.id : -1;
}

function modelOverlaps(k1: Buffer, m1: Buffer, k2: Buffer, m2: Buffer): boolean {
  for (let i = 0; i < KEY_SIZE; i++) if ((k1[i]! ^ k2[i]!) & m1[i]! & m2[i]!) return false;
  return true;
}

function modelCovers(key: Buffer, mask: Buffer, rKey: Buffer, rMask: Buffer): boolean {
  for (let i = 0; i < KEY_SIZE; i++) {
    if (mask[i]! & ~rMask[i]!) return false;
    if ((key[i]! ^ (rKey[i]! & rMask[i]!)) & mask[i]!) return false;
  }
  return true;
}

// ---- frames ------------------------------------------------------------------------

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const EMPTY = Buffer.alloc(0);

/**
 * An IPv4 or IPv6 frame with a TCP, UDP, ICMP or ICMPv6 header and no payload (for
 * ICMP the "ports" are the type and the code); `frag` is IPv4's flags/offset word.
 */
function ipFrame(
  eth: EthOpts,
  ip: { src: Buffer; dst: Buffer; tos?: number; frag?: number },
  proto: number,
  sport: number,
  dport: number,
  flags: number,
): Buffer {
  if (ip.src.length === 16) {
    const ip6 = { src: ip.src, dst: ip.dst };
    if (proto === PROTO_TCP) return tcp6({ eth, ip: ip6, l4: { sport, dport, flags, payload: EMPTY } });
    if (proto === PROTO_UDP) return udp6({ eth, ip: ip6, l4: { sport, dport, payload: EMPTY } });
    return icmp6({ eth, ip: ip6, l4: { type: sport & 0xff, code: dport & 0xff, rest: 0, payload: EMPTY } });
  }
  const w = ip.frag ?? 0x4000;
  const ip4 = { src: ip.src, dst: ip.dst, tos: ip.tos, df: (w & 0x4000) !== 0, mf: (w & 0x2000) !== 0, fragOffset: w & 0x1fff };
  if (proto === PROTO_TCP) return tcp4({ eth, ip: ip4, l4: { sport, dport, flags, payload: EMPTY } });
  if (proto === PROTO_UDP) return udp4({ eth, ip: ip4, l4: { sport, dport, payload: EMPTY } });
  return icmp4({ eth, ip: ip4, l4: { type: sport & 0xff, code: dport & 0xff, rest: 0, payload: EMPTY } });
}

// Small value pools, so random frames share fields and random rules hit them.
const MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:01:01', 'ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:fb'].map(
  (t) => Buffer.from(t.replace(/:/g, ''), 'hex'),
);
const IP4 = [0x0a000001, 0x0a000002, 0x0a000101, 0x0a0001fe, 0xc0a80001, 0x08080808];
const IP6 = [
  '20010db8000000000000000000000001',
  '20010db8000000000000000000000002',
  '20010db8000000010000000000000001',
  'fe800000000000000000000000000001',
].map((h) => Buffer.from(h, 'hex'));
const PORTS = [22, 53, 80, 443, 8080, 33000];
const TOS = [0, 0x10, 0xb8];
const TCP_FLAGS = [0x002, 0x010, 0x012, 0x018, 0x011];

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (rnd: Rnd, n: number) => Math.floor(rnd() * n);

interface TestFrame {
  frame: Buffer;
  inPort: number;
}

function randomFrame(rnd: Rnd): TestFrame {
  const dst = pick(rnd, MACS);
  const src = pick(rnd, MACS.slice(0, 3));
  const vlan = rnd() < 0.3 ? { vid: pick(rnd, [10, 20, 30]), pcp: int(rnd, 8) } : undefined;
  const eth: EthOpts = { dst, src, vlans: vlan ? [vlan] : [] };
  const inPort = 1 + int(rnd, 4);
  const kind = int(rnd, 8);
  let frame: Buffer;
  if (kind <= 3) {
    const proto = pick(rnd, [6, 6, 17, 1]);
    const frag = rnd() < 0.1 ? pick(rnd, [0x2000, 0x0010]) : 0x4000;
    const [sport, dport, flags] = [pick(rnd, PORTS), pick(rnd, PORTS), pick(rnd, TCP_FLAGS)];
    const ip = { src: u32(pick(rnd, IP4)), dst: u32(pick(rnd, IP4)), tos: pick(rnd, TOS), frag };
    frame = ipFrame(eth, ip, proto, sport, dport, flags);
  } else if (kind <= 5) {
    const next = pick(rnd, [6, 17, 58]);
    const [sport, dport, flags] = [pick(rnd, PORTS), pick(rnd, PORTS), pick(rnd, TCP_FLAGS)];
    frame = ipFrame(eth, { src: pick(rnd, IP6), dst: pick(rnd, IP6) }, next, sport, dport, flags);
  } else if (kind === 6) {
    const op = 1 + int(rnd, 2);
    const sha = pick(rnd, MACS.slice(0, 3));
    frame = arp({ eth, arp: { op, sha, spa: u32(pick(rnd, IP4)), tha: Buffer.alloc(6), tpa: u32(pick(rnd, IP4)) } });
  } else {
    frame = ethernet(eth, ETH_EXPERIMENTAL, Buffer.alloc(46));
  }
  return { frame, inPort };
}

// ~20 mask shapes of the kind flow tables hold; some draw a prefix length, so one
// shape yields several distinct masks (subtables).
const SHAPES: ((rnd: Rnd) => Record<string, FieldValue>)[] = [
  () => maskOf('in_port'),
  () => maskOf('dl_dst'),
  () => maskOf('dl_src'),
  () => maskOf('in_port', 'dl_dst'),
  () => maskOf('dl_type'),
  (rnd) => ({ ...maskOf('dl_type'), nw_dst: prefix32(pick(rnd, [8, 16, 24, 31, 32])) }),
  (rnd) => ({ ...maskOf('dl_type'), nw_src: prefix32(pick(rnd, [16, 24, 32])) }),
  () => maskOf('dl_type', 'nw_proto', 'nw_src', 'nw_dst', 'tp_src', 'tp_dst'),
  () => maskOf('dl_type', 'nw_proto', 'tp_dst'),
  (rnd) => ({ ...maskOf('dl_type', 'nw_proto'), tp_dst: pick(rnd, [0xff00, 0xfff0, 0xfffe]) }),
  () => ({ vlan_tci: 0x1fff }),
  () => ({ vlan_tci: 0x0fff, ...maskOf('dl_dst') }),
  () => ({ vlan_tci: 0xe000 }),
  (rnd) => ({ ...maskOf('dl_type'), ipv6_dst: prefixBytes(16, pick(rnd, [48, 64, 128])) }),
  () => maskOf('dl_type', 'ipv6_src', 'nw_proto'),
  () => maskOf('dl_type', 'arp_op', 'nw_dst'),
  () => ({ ...maskOf('dl_type'), nw_tos: 0xfc }),
  () => maskOf('in_port', 'dl_type', 'nw_proto'),
  (rnd) => ({ ...maskOf('dl_type', 'nw_proto'), tcp_flags: pick(rnd, [0x002, 0x012, 0x0fff]) }),
  () => ({}),
  () => ({ dl_dst: Buffer.from([1, 0, 0, 0, 0, 0]) }),
  () => ({ ...maskOf('dl_type'), nw_frag: 3 }),
];

function popcount(b: Buffer): number {
  let n = 0;
  for (const byte of b) for (let v = byte; v; v &= v - 1) n++;
  return n;
}

/**
 * A random rule set with no two overlapping rules of equal priority (their outcome
 * is unspecified). Priorities are uniform in 0..maxPriority, or with `bySpecificity`
 * grow with the mask's bit count plus noise, as in real tables, so that broad rules
 * shadow less and more rules are someone's answer.
 */
function randomRules(rnd: Rnd, n: number, pool: Buffer[], maxPriority: number, bySpecificity = false): RuleSpec[] {
  const rules: RuleSpec[] = [];
  for (let attempts = 0; rules.length < n; attempts++) {
    if (attempts > 100 * n + 1000) throw new Error('randomRules: priority range too narrow for this many rules');
    const mask = build(pick(rnd, SHAPES)(rnd));
    let key = and(pick(rnd, pool), mask);
    if (rnd() < 0.1) {
      key = Buffer.from(key);
      const i = int(rnd, KEY_SIZE);
      key[i] = (key[i]! ^ (1 << int(rnd, 8))) & mask[i]!; // likely a rule nothing hits
    }
    const priority = bySpecificity
      ? Math.min(maxPriority, Math.floor((popcount(mask) / 300) * maxPriority * 0.95 + rnd() * maxPriority * 0.05))
      : int(rnd, maxPriority + 1);
    if (rules.some((r) => r.priority === priority && modelOverlaps(r.key, r.mask, key, mask))) continue;
    rules.push({ priority, key, mask });
  }
  return rules;
}

/** Frame keys plus mutants (a flipped bit, another in_port) that sit near the rules. */
function probeKeys(rnd: Rnd, pool: Buffer[], n: number): Buffer[] {
  const keys: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const k = Buffer.from(pick(rnd, pool));
    if (rnd() < 0.2) k[int(rnd, KEY_SIZE)]! ^= 1 << int(rnd, 8);
    keys.push(k);
  }
  return keys;
}

function framePool(rnd: Rnd, n: number): TestFrame[] {
  return Array.from({ length: n }, () => randomFrame(rnd));
}

// ---- tests -------------------------------------------------------------------------

describe('FlowKey layout', () => {
  it('lists every byte of the key once, in order, and matches the parser', () => {
    const fields = Object.entries(LAYOUT).sort((a, b) => a[1][0] - b[1][0]);
    let end = 0;
    for (const [name, [ofs, size]] of fields) {
      expect(ofs, name).toBe(end);
      end = ofs + size;
    }
    expect(end).toBe(KEY_SIZE);
    expect(endianness()).toBe('LE'); // setField writes host-order numbers as LE

    const eth = { dst: MACS[1]!, src: MACS[0]!, vlans: [{ vid: 10, pcp: 5 }] };
    const frame = ipFrame(eth, { src: u32(0x0a000001), dst: u32(0xc0a80001), tos: 0xb8 }, PROTO_TCP, 33000, 443, 0x012);
    const key = testing.flowKeyBytes(frame, 7);
    expect(key.length).toBe(KEY_SIZE);
    const parsed = addon.parseFrame(frame)!;
    expect(getField(key, 'in_port')).toBe(7);
    for (const name of ['dl_type', 'vlan_tci', 'nw_proto', 'tp_src', 'tp_dst', 'tcp_flags', 'l2_len']) {
      expect(getField(key, name), name).toBe(parsed[name]);
    }
    expect(getField(key, 'nw_src')).toBe(0x0a000001);
    expect(getField(key, 'nw_dst')).toBe(0xc0a80001);
    const [dst] = field('dl_dst');
    expect(key.subarray(dst, dst + 6)).toEqual(MACS[1]);
    expect(testing.flowKeyBytes(frame).readUInt32LE(0)).toBe(0); // no inPort: 0
  });
});

describe('classifier: unit cases', () => {
  const key1 = build({ in_port: 1, dl_type: 0x0800, nw_dst: 0x0a000001 });
  const key2 = build({ in_port: 2, dl_type: 0x0800, nw_dst: 0x0a000101 });
  const mIn = build(maskOf('in_port'));
  const mNet24 = build({ ...maskOf('dl_type'), nw_dst: prefix32(24) });
  const mAll = Buffer.alloc(KEY_SIZE);

  it('an empty table matches nothing', () => {
    const c = new testing.Classifier();
    expect(c.lookup([key1, key2, mAll])).toEqual([-1, -1, -1]);
    expect(c.lookup([key1], { cache: true })).toEqual([-1]);
    expect(c.size()).toBe(0);
    expect(c.subtableCount()).toBe(0);
    expect(c.ids()).toEqual([]);
    expect(testing.classify([], [ethFrame(MACS[0]!, MACS[1]!)])).toEqual([-1]);
  });

  it('takes the highest priority across subtables, and the next one after a removal', () => {
    const c = new testing.Classifier();
    const low = c.insert(5, mAll, mAll);
    const port1 = c.insert(10, key1, mIn);
    const net = c.insert(20, key1, mNet24); // 10.0.0.0/24
    expect(c.subtableCount()).toBe(3);
    expect(c.lookup([key1, key2])).toEqual([net, low]);
    const port1Other = build({ in_port: 1, dl_type: 0x86dd });
    expect(c.lookup([port1Other])).toEqual([port1]);
    c.remove(net);
    expect(c.lookup([key1, key2])).toEqual([port1, low]);
    expect(c.subtableCount()).toBe(2);
    // A subtable whose best rule is below the answer is never the answer, however specific.
    const exact = c.insert(1, key2, ONES(KEY_SIZE));
    expect(c.lookup([key2])).toEqual([low]);
    c.remove(low);
    expect(c.lookup([key2, key1])).toEqual([exact, port1]);
    expect(c.size()).toBe(2);
  });

  it('chains rules with the same match by priority', () => {
    const c = new testing.Classifier();
    const ids = [5, 50, 20, 35].map((p) => c.insert(p, key1, mIn));
    expect(c.subtableCount()).toBe(1);
    expect(c.lookup([key1])).toEqual([ids[1]]);
    c.remove(ids[1]!);
    expect(c.lookup([key1])).toEqual([ids[3]]);
    c.remove(ids[0]!); // the chain's tail
    expect(c.lookup([key1])).toEqual([ids[3]]);
    c.remove(ids[3]!);
    expect(c.lookup([key1, key2])).toEqual([ids[2], -1]);
    expect(c.ids()).toEqual([ids[2]]);
  });

  it('finds rules by exact match and priority (strict)', () => {
    const c = new testing.Classifier();
    const a = c.insert(100, key1, mNet24);
    const b = c.insert(200, key1, mNet24);
    const d = c.insert(100, key1, mIn);
    expect(c.findExact(key1, mNet24, 100)).toBe(a);
    expect(c.findExact(key1, mNet24, 200)).toBe(b);
    expect(c.findExact(key1, mIn, 100)).toBe(d);
    // The key need not be pre-masked: 10.0.0.77 under /24 is the same match.
    expect(c.findExact(build({ in_port: 9, dl_type: 0x0800, nw_dst: 0x0a00004d }), mNet24, 100)).toBe(a);
    expect(c.findExact(key1, mNet24, 150)).toBe(-1);
    expect(c.findExact(key2, mNet24, 100)).toBe(-1);
    expect(c.findExact(key1, build(maskOf('dl_type', 'nw_dst')), 100)).toBe(-1);
    c.remove(a);
    expect(c.findExact(key1, mNet24, 100)).toBe(-1);
    expect(c.findExact(key1, mNet24, 200)).toBe(b);
  });

  it('decides overlap (check_overlap) and coverage (non-strict modify/delete)', () => {
    const m16 = build({ ...maskOf('dl_type'), nw_dst: prefix32(16) });
    const mPort = build(maskOf('in_port', 'dl_type'));
    // 10.0.0.0/24 and 10.0.0.0/16 share packets; 10.0.0.0/24 and 10.0.1.0/24 do not.
    expect(testing.overlaps(key1, mNet24, key2, m16)).toBe(true);
    expect(testing.overlaps(and(key1, mNet24), mNet24, and(key2, mNet24), mNet24)).toBe(false);
    // Different fields always overlap (a packet can have both); match-all overlaps everything.
    expect(testing.overlaps(key1, mPort, key2, mNet24)).toBe(true);
    expect(testing.overlaps(key1, mPort, key2, mPort)).toBe(false);
    expect(testing.overlaps(mAll, mAll, key2, ONES(KEY_SIZE))).toBe(true);

    // /24 rules are covered by a /16 match; a /16 rule is not covered by a /24 match.
    expect(testing.matchCovers(and(key1, m16), m16, key1, mNet24)).toBe(true);
    expect(testing.matchCovers(and(key1, mNet24), mNet24, key1, m16)).toBe(false);
    expect(testing.matchCovers(and(key2, mNet24), mNet24, key1, mNet24)).toBe(false);
    expect(testing.matchCovers(mAll, mAll, key1, mIn)).toBe(true); // an empty match selects all
    expect(testing.matchCovers(and(key1, mIn), mIn, key1, build(maskOf('in_port', 'dl_type', 'nw_dst')))).toBe(true);
    expect(testing.matchCovers(and(key1, mIn), mIn, key1, mNet24)).toBe(false); // rule ignores in_port
  });

  it('agrees with the model on overlap and coverage for random matches', () => {
    const rnd = prng(11);
    const pool = framePool(rnd, 60).map((f) => testing.flowKeyBytes(f.frame, f.inPort));
    for (let i = 0; i < 2000; i++) {
      const m1 = build(pick(rnd, SHAPES)(rnd));
      const m2 = build(pick(rnd, SHAPES)(rnd));
      const k1 = and(pick(rnd, pool), m1);
      const k2 = and(pick(rnd, pool), m2);
      expect(testing.overlaps(k1, m1, k2, m2)).toBe(modelOverlaps(k1, m1, k2, m2));
      expect(testing.matchCovers(k1, m1, k2, m2)).toBe(modelCovers(k1, m1, k2, m2));
    }
  });

  it('rejects bad arguments', () => {
    const c = new testing.Classifier();
    expect(() => c.insert(1, Buffer.alloc(131), mAll)).toThrow(RangeError);
    expect(() => c.insert(65536, key1, mIn)).toThrow(RangeError);
    expect(() => c.insert(1, 'x' as unknown as Buffer, mIn)).toThrow(TypeError);
    c.insert(1, key1, mIn);
    expect(() => c.insert(1, key1, mIn)).toThrow(/duplicate/);
    expect(() => c.remove(5)).toThrow(RangeError);
    expect(() => c.lookup([Buffer.alloc(KEY_SIZE + 1)])).toThrow(RangeError);
    const r = { priority: 1, key: key1, mask: mIn };
    expect(() => testing.classify([r, r], [])).toThrow(/duplicate/);
    expect(() => testing.classify([r], [Buffer.alloc(60)], { inPorts: [] })).toThrow(RangeError);
    expect(() => testing.overlaps(key1, mIn, key2, Buffer.alloc(4))).toThrow(RangeError);
  });
});

describe('classifier: against the linear model', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`random rules and frames, cache off and on (seed ${seed})`, () => {
      const rnd = prng(seed);
      const frames = framePool(rnd, 150);
      const pool = frames.map((f) => testing.flowKeyBytes(f.frame, f.inPort));
      // Narrow priority ranges make subtables share maxima (the search's stop test);
      // wide ones spread them.
      const rules = randomRules(rnd, seed === 1 ? 40 : 250, pool, seed % 2 ? 50 : 65535, seed % 2 === 0);
      const model = rules.map((r, i) => modelRule(i, r));
      // Every frame twice, so the cached pass hits.
      const order = [...frames, ...frames];
      const expected = order.map((f) => modelLookup(model, testing.flowKeyBytes(f.frame, f.inPort)));
      const opts = { inPorts: order.map((f) => f.inPort) };
      expect(testing.classify(rules, order.map((f) => f.frame), opts)).toEqual(expected);
      expect(testing.classify(rules, order.map((f) => f.frame), { ...opts, cache: true })).toEqual(expected);
      expect(new Set(expected).size).toBeGreaterThan(5); // the frames reach several rules
    });
  }

  for (const seed of [5, 6, 7]) {
    it(`insertions, removals and lookups interleaved, through the cache (seed ${seed})`, () => {
      const rnd = prng(seed);
      const pool = framePool(rnd, 120).map((f) => testing.flowKeyBytes(f.frame, f.inPort));
      const c = new testing.Classifier({ cacheEntries: seed === 7 ? 32 : 8192 });
      const live = new Map<number, ModelRule>();
      const check = () => {
        const keys = probeKeys(rnd, pool, 200);
        const want = keys.map((k) => modelLookup(live.values(), k));
        expect(c.lookup(keys, { cache: true })).toEqual(want);
        expect(c.lookup(keys)).toEqual(want);
        expect(c.lookup(keys, { cache: true })).toEqual(want); // now from the cache
      };
      // Build up, then remove a random half, then churn.
      for (const spec of randomRules(rnd, 300, pool, seed % 2 ? 100 : 65535)) {
        const id = c.insert(spec.priority, spec.key, spec.mask);
        live.set(id, modelRule(id, spec));
        if (live.size % 50 === 0) check();
      }
      check();
      for (const id of [...live.keys()]) {
        if (rnd() < 0.5) {
          c.remove(id);
          live.delete(id);
        }
      }
      check();
      for (let step = 0; step < 400; step++) {
        if (rnd() < 0.5 && live.size > 0) {
          const id = pick(rnd, [...live.keys()]);
          c.remove(id);
          live.delete(id);
        } else {
          const [spec] = randomRules(rnd, 1, pool, seed % 2 ? 100 : 65535);
          const clash = (r: ModelRule) =>
            r.priority === spec!.priority && modelOverlaps(r.key, r.mask, spec!.key, spec!.mask);
          if ([...live.values()].some(clash)) continue;
          const id = c.insert(spec!.priority, spec!.key, spec!.mask);
          live.set(id, modelRule(id, spec!));
        }
        if (step % 40 === 0) check();
      }
      check();
      expect(c.size()).toBe(live.size);
      expect(c.ids().sort((a, b) => a - b)).toEqual([...live.keys()].sort((a, b) => a - b));
      for (const r of live.values()) expect(c.findExact(r.key, r.mask, r.priority)).toBe(r.id);
      // Remove everything: no subtable is left behind.
      for (const id of [...live.keys()]) c.remove(id);
      expect(c.size()).toBe(0);
      expect(c.subtableCount()).toBe(0);
      expect(c.lookup(probeKeys(rnd, pool, 50), { cache: true }).every((id) => id === -1)).toBe(true);
    });
  }

  it('handles arbitrary masks over every byte, the 4-byte tail of the key included', () => {
    const rnd = prng(8);
    const randomKey = () => Buffer.from(Array.from({ length: KEY_SIZE }, () => pick(rnd, [0, 0xff, 0x0f])));
    const pool = Array.from({ length: 100 }, randomKey);
    const masks = Array.from({ length: 24 }, (_, i) => {
      const m = Buffer.alloc(KEY_SIZE);
      const n = 1 + int(rnd, 4);
      for (let j = 0; j < n; j++) m[j === 0 && i % 2 ? 120 + int(rnd, 12) : int(rnd, KEY_SIZE)] = 1 + int(rnd, 255);
      return m;
    });
    const c = new testing.Classifier();
    const live: ModelRule[] = [];
    for (let tries = 0; live.length < 300 && tries < 10000; tries++) {
      const mask = pick(rnd, masks);
      const key = and(pick(rnd, pool), mask);
      const priority = int(rnd, 1000);
      if (live.some((r) => r.priority === priority && modelOverlaps(r.key, r.mask, key, mask))) continue;
      live.push(modelRule(c.insert(priority, key, mask), { priority, key, mask }));
    }
    expect(live.length).toBe(300);
    const keys = probeKeys(rnd, pool, 1000);
    const want = keys.map((k) => modelLookup(live, k));
    expect(c.lookup(keys)).toEqual(want);
    expect(c.lookup(keys, { cache: true })).toEqual(want);
    expect(new Set(want).size).toBeGreaterThan(10);
  });

  it('keeps one subtable correct as it grows to thousands of keys and shrinks back', () => {
    const rnd = prng(9);
    const mask = build(maskOf('in_port', 'dl_dst'));
    const c = new testing.Classifier();
    const live = new Map<number, ModelRule>();
    const keyFor = (i: number) =>
      build({ in_port: 1 + (i % 3), dl_dst: Buffer.from([2, 0, 0, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff]) });
    for (let i = 0; i < 3000; i++) {
      const spec = { priority: 100, key: keyFor(i), mask };
      live.set(c.insert(spec.priority, spec.key, spec.mask), modelRule(-1, spec));
    }
    for (const [id, r] of live) r.id = id;
    expect(c.subtableCount()).toBe(1);
    const sample = () => Array.from({ length: 300 }, () => keyFor(int(rnd, 3100)));
    let keys = sample();
    expect(c.lookup(keys)).toEqual(keys.map((k) => modelLookup(live.values(), k)));
    for (const id of [...live.keys()]) {
      if (rnd() < 0.98) {
        c.remove(id);
        live.delete(id);
      }
    }
    keys = [...sample(), ...[...live.values()].map((r) => r.key)];
    expect(c.lookup(keys)).toEqual(keys.map((k) => modelLookup(live.values(), k)));
  });
});

describe('microflow cache', () => {
  it('hits on repeated keys, misses after invalidation and after every table change', () => {
    const rnd = prng(21);
    const pool = framePool(rnd, 50).map((f) => testing.flowKeyBytes(f.frame, f.inPort));
    const keys = [...new Map(pool.map((k) => [k.toString('hex'), k])).values()];
    const c = new testing.Classifier();
    const id = c.insert(10, keys[0]!, build(maskOf('in_port')));
    const first = c.lookup(keys, { cache: true });
    expect(c.cacheStats()).toEqual({ hits: 0, misses: keys.length, inserts: keys.length, evictions: 0 });
    expect(c.lookup(keys, { cache: true })).toEqual(first);
    expect(c.cacheStats().hits).toBe(keys.length);

    c.invalidate();
    c.lookup(keys, { cache: true });
    expect(c.cacheStats().misses).toBe(2 * keys.length);

    // A table change invalidates: the new rule is seen at once, not a stale result.
    const all = c.insert(20, Buffer.alloc(KEY_SIZE), Buffer.alloc(KEY_SIZE));
    expect(c.lookup(keys, { cache: true }).every((x) => x === all)).toBe(true);
    c.remove(all);
    expect(c.lookup(keys, { cache: true })).toEqual(first);
    expect(first).toContain(id);
  });

  it('keys differing only in in_port are different entries', () => {
    const frame = randomFrame(prng(3)).frame;
    const c = new testing.Classifier();
    const p1 = c.insert(1, build({ in_port: 1 }), build(maskOf('in_port')));
    const p2 = c.insert(1, build({ in_port: 2 }), build(maskOf('in_port')));
    const keys = [1, 2, 3, 1, 2, 3].map((p) => testing.flowKeyBytes(frame, p));
    expect(c.lookup(keys, { cache: true })).toEqual([p1, p2, -1, p1, p2, -1]);
    expect(c.cacheStats().hits).toBe(3);
  });

  it('evicts when a set is full and stays correct', () => {
    const rnd = prng(22);
    const pool = framePool(rnd, 400).map((f) => testing.flowKeyBytes(f.frame, f.inPort));
    const rules = randomRules(rnd, 100, pool, 1000);
    const c = new testing.Classifier({ cacheEntries: 16 });
    const model = rules.map((r) => modelRule(c.insert(r.priority, r.key, r.mask), r));
    const want = pool.map((k) => modelLookup(model, k));
    expect(c.lookup(pool, { cache: true })).toEqual(want);
    expect(c.lookup(pool, { cache: true })).toEqual(want);
    const s = c.cacheStats();
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.hits + s.misses).toBe(2 * pool.length);
    expect(s.inserts).toBe(s.misses);
  });
});

describe('classifier: what a lookup consulted (the megaflow mask)', () => {
  /** k with every bit outside wc taken from `other`. */
  const mix = (k: Buffer, wc: Buffer, other: Buffer): Buffer => {
    const out = Buffer.alloc(KEY_SIZE);
    for (let i = 0; i < KEY_SIZE; i++) out[i] = (k[i]! & wc[i]!) | (other[i]! & ~wc[i]! & 0xff);
    return out;
  };

  it.each([1, 2, 3, 4, 5, 6])('every key that agrees on the consulted bits gets the same rule (seed %i)', (seed) => {
    const rnd = prng(seed * 104729);
    const pool = framePool(rnd, 200).map((f) => testing.flowKeyBytes(f.frame, f.inPort));
    const rules = randomRules(rnd, 300, pool, 1000, seed % 2 === 0);
    const c = new testing.Classifier();
    const model = new Map<number, ModelRule>();
    for (const r of rules) model.set(c.insert(r.priority, r.key, r.mask), modelRule(0, r));
    for (const [id, r] of model) r.id = id;
    let checked = 0;
    for (let round = 0; round < 3; round++) {
      for (const k of probeKeys(rnd, pool, 300)) {
        const { id, wc } = c.lookupWildcards(k);
        expect(id).toBe(modelLookup(model.values(), k));
        for (let j = 0; j < 4; j++) {
          const other = j < 2 ? pick(rnd, pool) : Buffer.from(Array.from({ length: KEY_SIZE }, () => int(rnd, 256)));
          const k2 = mix(k, wc, other);
          expect(modelLookup(model.values(), k2), `a key agreeing on the ${popcount(wc)} consulted bits`).toBe(id);
          expect(c.lookup([k2])).toEqual([id]);
          checked++;
        }
      }
      // Remove a third of the rules, add as many new ones: the tries and stage sets follow.
      const ids = [...model.keys()];
      for (const id of ids.filter(() => rnd() < 0.33)) {
        c.remove(id);
        model.delete(id);
      }
      for (const r of randomRules(rnd, 100, pool, 1000).filter((r) => ![...model.values()].some((m) => m.priority === r.priority && modelOverlaps(m.key, m.mask, r.key, r.mask)))) {
        const id = c.insert(r.priority, r.key, r.mask);
        model.set(id, modelRule(id, r));
      }
    }
    expect(checked).toBe(3 * 300 * 4);
  });

  it('a miss in the L3 stage consults no L4 bits; prefix tracking consults only the address bits that decide', () => {
    const c = new testing.Classifier();
    const mTcp80 = build({ ...maskOf('dl_type', 'nw_proto', 'tp_dst'), nw_dst: prefix32(24) });
    c.insert(100, build({ dl_type: 0x0800, nw_proto: 6, nw_dst: 0x0a000100, tp_dst: 80 }), mTcp80);
    c.insert(50, build({ dl_type: 0x0800, nw_src: 0xc0a80000 }), build({ ...maskOf('dl_type'), nw_src: prefix32(16) }));
    // To 10.0.1.7 port 80: the whole subtable is read, ports included.
    const hit = c.lookupWildcards(build({ dl_type: 0x0800, nw_proto: 6, nw_dst: 0x0a000107, tp_dst: 80, tp_src: 5555, nw_src: 0x08080808 }));
    expect(getField(hit.wc, 'tp_dst')).toBe(0xffff);
    expect(getField(hit.wc, 'tp_src')).toBe(0);
    // To 10.0.2.7: the nw_dst trie has nothing there at /24; neither are the ports read.
    const miss = c.lookupWildcards(build({ dl_type: 0x0800, nw_proto: 6, nw_dst: 0x0a000207, tp_dst: 80, nw_src: 0x08080808 }));
    expect(miss.id).toBe(-1);
    expect(getField(miss.wc, 'tp_dst')).toBe(0);
    expect(getField(miss.wc, 'nw_proto')).toBe(0);
    // Only as many nw_dst bits as it takes to leave 10.0.1.0/24 (bit 22 differs), and of
    // nw_src the first bit (192.168/16 starts with a 1; 8.8.8.8 with a 0).
    expect(getField(miss.wc, 'nw_dst')).toBe(prefix32(23));
    expect(getField(miss.wc, 'nw_src')).toBe(prefix32(1));
  });
});
