// The caches must be invisible: under random rule sets (random matches, masks,
// priorities, outputs, rewrites, goto/resubmit, action sets) and random frames, a
// frame leaves by the same ports with the same bytes whether it is translated
// (a miss), served by a megaflow another frame made, or by the exact-match cache,
// and all of them equal what traceFrame predicts — the uncached translation's ops
// run by a TS model of the rewrites that recomputes every checksum from scratch —
// while the tables the trace visits pick the flow a naive linear classifier picks.
// Then the tables change (adds, deletes, modifies): the frames of the next round
// must follow the new rules, whether their cached translations were dropped or
// (because the change could not affect them) kept. Each seed runs with both caches,
// with megaflows alone (so repeats are megaflow hits) and with exact entries alone.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { addon, type NativeCacheConfig, type NativeTrace } from '../../src/native.js';
import { formatFlow } from '../../src/ofproto/flow.js';
import { unpackMatch } from '../../src/ofproto/flow-table.js';
import { prng } from '../lab/prng.js';
import { closeMemBridge, memBridge, PORTS, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

const TABLES = 3;
const OP = addon.constants.op;

afterEach(closeMemBridge);

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number): boolean => r() < p;

// ---- random frames --------------------------------------------------------------

const MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:01:03', '01:00:5e:00:00:01'];
const IP4 = ['10.0.0.1', '10.0.0.2', '10.0.1.7', '192.168.5.5'];
const IP6 = ['fd00::1', 'fd00::2', 'fd00:0:0:1::5', '2001:db8::9'];
const L4PORTS = [22, 53, 80, 443, 5000, 0x1234];

interface TestFrame {
  inPort: number;
  frame: Buffer;
}

function randomFrame(r: Rand): TestFrame {
  const eth: P.EthOpts = {
    src: pick(r, MACS.slice(0, 3)),
    dst: pick(r, MACS),
    vlans: pick(r, [[], [], [{ vid: 10 }], [{ vid: 20, pcp: 5 }]]),
  };
  const ip4: P.Ipv4Opts = { src: pick(r, IP4), dst: pick(r, IP4), ttl: pick(r, [1, 2, 64]), tos: pick(r, [0, 0x02, 0xb8, 0x2b]) };
  const ip6: P.Ipv6Opts = { src: pick(r, IP6), dst: pick(r, IP6), hlim: pick(r, [1, 64]), tc: pick(r, [0, 0xb8]), label: pick(r, [0, 0x12345]) };
  const ports = { sport: pick(r, L4PORTS), dport: pick(r, L4PORTS) };
  const payload = Buffer.from(`p${Math.floor(r() * 1e6)}`);
  const kind = pick(r, ['tcp4', 'tcp4', 'udp4', 'udp4-nocsum', 'icmp4', 'tcp6', 'udp6', 'icmp6', 'arp'] as const);
  let frame: Buffer;
  switch (kind) {
    case 'tcp4':
      frame = P.tcp4({ eth, ip: ip4, l4: { ...ports, flags: pick(r, [P.TCP_SYN, P.TCP_ACK, P.TCP_SYN | P.TCP_ACK]), payload } });
      break;
    case 'udp4':
      frame = P.udp4({ eth, ip: ip4, l4: { ...ports, payload } });
      break;
    case 'udp4-nocsum':
      frame = P.udp4({ eth, ip: ip4, l4: { ...ports, payload, noChecksum: true } });
      break;
    case 'icmp4':
      frame = P.icmp4({ eth, ip: ip4, l4: { type: pick(r, [0, 8]), payload } });
      break;
    case 'tcp6':
      frame = P.tcp6({ eth, ip: ip6, l4: { ...ports, payload } });
      break;
    case 'udp6':
      frame = P.udp6({ eth, ip: ip6, l4: { ...ports, payload } });
      break;
    case 'icmp6':
      frame = P.icmp6({ eth, ip: ip6, l4: { type: pick(r, [128, 129]), payload } });
      break;
    case 'arp':
      frame = P.arp({ eth, arp: { op: pick(r, [1, 2]), spa: pick(r, IP4), tpa: pick(r, IP4) } });
      break;
  }
  return { inPort: 1 + Math.floor(r() * PORTS), frame };
}

// ---- random flows ---------------------------------------------------------------

type Proto = '' | 'ip' | 'tcp' | 'udp' | 'icmp' | 'ipv6' | 'tcp6' | 'udp6' | 'arp';

function randomMatch(r: Rand, proto: Proto, table: number): { text: string; vlan: boolean } {
  const fields: string[] = [];
  let vlan = false;
  const ip4 = ['ip', 'tcp', 'udp', 'icmp'].includes(proto);
  const ip6 = ['ipv6', 'tcp6', 'udp6'].includes(proto);
  const l4 = ['tcp', 'udp', 'tcp6', 'udp6'].includes(proto);
  const candidates: (() => string)[] = [
    () => `in_port=${1 + Math.floor(r() * PORTS)}`,
    () => `dl_src=${pick(r, MACS)}`,
    () => `dl_dst=${pick(r, ['01:00:00:00:00:00/01:00:00:00:00:00', '02:00:00:00:00:00/ff:ff:ff:ff:ff:00', pick(r, MACS)])}`,
    () => {
      vlan = true;
      return pick(r, ['dl_vlan=10', 'dl_vlan=20', 'vlan_tci=0x1000/0x1000', 'vlan_tci=0x1014/0x1fff']);
    },
    () => 'vlan_tci=0',
  ];
  if (ip4) {
    candidates.push(
      () => `nw_src=${pick(r, ['10.0.0.0/8', '10.0.0.0/24', '10.0.0.1', '0.0.0.1/0.0.0.1', '192.168.0.0/16'])}`,
      () => `nw_dst=${pick(r, ['10.0.0.2', '10.0.1.0/24', '0.0.0.2/0.0.0.3'])}`,
      () => `nw_ttl=${pick(r, [1, 2, 64])}`,
      () => `ip_dscp=${pick(r, [0, 46, 10])}`,
      () => `ip_ecn=${pick(r, [0, 2, 3])}`,
    );
  }
  if (ip6) {
    candidates.push(
      () => `ipv6_src=${pick(r, ['fd00::/64', 'fd00::1', '::1/::ff'])}`,
      () => `ipv6_dst=${pick(r, ['fd00::2', '2001:db8::/32'])}`,
      () => `ipv6_label=${pick(r, ['0x12345', '0', '0x10000/0xf0000'])}`,
    );
  }
  if (l4) candidates.push(() => `tp_src=${pick(r, L4PORTS)}`, () => `tp_dst=${pick(r, [...L4PORTS.map(String), '0/0xff00', '0x1200/0xff00'])}`);
  if (proto === 'tcp') candidates.push(() => `tcp_flags=${pick(r, ['+syn', '+syn-ack', '+ack'])}`);
  if (proto === 'icmp') candidates.push(() => `icmp_type=${pick(r, [0, 8])}`);
  if (proto === 'arp') candidates.push(() => `arp_op=${pick(r, [1, 2])}`, () => `arp_spa=${pick(r, ['10.0.0.0/24', '10.0.0.1'])}`);
  if (table > 0) candidates.push(() => `metadata=${pick(r, ['0x1/0x1', '0x0/0x1', '0x20/0xf0', '0x21'])}`);
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const f = pick(r, candidates)();
    if (!fields.some((x) => x.split('=')[0] === f.split('=')[0])) fields.push(f);
  }
  return { text: [proto, ...fields].filter(Boolean).join(','), vlan };
}

function randomActions(r: Rand, proto: Proto, table: number, vlanKnown: boolean, groups = 0): string {
  const ip4 = ['ip', 'tcp', 'udp', 'icmp'].includes(proto);
  const ip6 = ['ipv6', 'tcp6', 'udp6'].includes(proto);
  const l4 = ['tcp', 'udp', 'tcp6', 'udp6'].includes(proto);
  let vlans = vlanKnown ? 1 : 0;
  const outputs = (): string => pick(r, [`output:${1 + Math.floor(r() * PORTS)}`, `output:${1 + Math.floor(r() * PORTS)}`, 'flood', 'in_port']);
  const rewrites: (() => string)[] = [
    () => `mod_dl_src:${pick(r, ['02:aa:00:00:00:01', '02:bb:00:00:00:02'])}`,
    () => `mod_dl_dst:${pick(r, ['02:cc:00:00:00:03', 'ff:ff:ff:ff:ff:ff'])}`,
    () => {
      vlans = Math.max(vlans, 1);
      return `mod_vlan_vid:${pick(r, [10, 20, 99])}`;
    },
    () => {
      vlans = Math.max(vlans, 1);
      return `mod_vlan_pcp:${pick(r, [0, 3, 7])}`;
    },
    () => {
      vlans++;
      return 'push_vlan:0x8100';
    },
  ];
  if (vlans > 0) rewrites.push(() => (vlans > 0 ? (vlans--, 'strip_vlan') : 'mod_dl_src:02:aa:00:00:00:09'));
  if (ip4) {
    rewrites.push(
      () => `mod_nw_src:${pick(r, IP4)}`,
      () => `mod_nw_dst:${pick(r, ['10.9.9.9', '10.0.0.2'])}`,
      () => `mod_nw_tos:${pick(r, [0, 0x20, 0xb8])}`,
      () => 'dec_ttl',
      () => `mod_nw_ttl:${pick(r, [1, 5])}`,
      () => `set_field:${pick(r, [0, 1, 3])}->ip_ecn`,
    );
  }
  if (ip6) {
    rewrites.push(
      () => `set_field:${pick(r, ['fd00::99', '2001:db8::1'])}->ipv6_dst`,
      () => `set_field:${pick(r, ['fd00::77'])}->ipv6_src`,
      () => 'dec_ttl',
      () => `mod_nw_tos:${pick(r, [0x20, 0xfc])}`,
    );
  }
  if (l4) rewrites.push(() => `mod_tp_src:${pick(r, L4PORTS)}`, () => `mod_tp_dst:${pick(r, [...L4PORTS, 65535])}`);
  const apply: string[] = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.4) apply.push(outputs());
    else if (x < 0.9) apply.push(pick(r, rewrites)());
    else if (table + 1 < TABLES) apply.push(`resubmit(,${table + 1 + Math.floor(r() * (TABLES - table - 1))})`);
    if (groups && chance(r, 0.3)) apply.push(`group:${1 + Math.floor(r() * groups)}`);
  }
  const parts = [...apply];
  if (chance(r, 0.15)) parts.push('clear_actions');
  if (chance(r, 0.25)) {
    const w = [pick(r, rewrites)(), groups && chance(r, 0.3) ? `group:${1 + Math.floor(r() * groups)}` : outputs()].filter((a) => a !== 'in_port' || chance(r, 0.5));
    parts.push(`write_actions(${w.join(',')})`);
  }
  if (table + 1 < TABLES && chance(r, 0.35)) {
    if (chance(r, 0.5)) parts.push(`write_metadata:${pick(r, ['0x1/0x1', '0x20/0xf0', '0x21'])}`);
    parts.push(`goto_table:${table + 1 + Math.floor(r() * (TABLES - table - 1))}`);
  }
  return parts.length ? parts.join(',') : 'drop';
}

function randomFlow(r: Rand, table: number, priority: number, groups = 0): string {
  const proto = pick(r, ['', '', 'ip', 'tcp', 'udp', 'icmp', 'ipv6', 'tcp6', 'udp6', 'arp'] as const);
  const m = randomMatch(r, proto, table);
  const actions = randomActions(r, proto, table, m.vlan, groups);
  return `table=${table},priority=${priority}${m.text ? `,${m.text}` : ''},actions=${actions}`;
}

/**
 * A random group 1..n: any type, 1 to 3 buckets of outputs and rewrites (a bucket has
 * no match: its rewrites are any), chained to a lower group now and then (no loops).
 */
function randomGroup(r: Rand, id: number): string {
  const type = pick(r, ['all', 'select', 'indirect', 'ff'] as const);
  const n = type === 'indirect' ? 1 : 1 + Math.floor(r() * 3);
  const buckets: string[] = [];
  for (let b = 0; b < n; b++) {
    const fields: string[] = [];
    if (type === 'select') fields.push(`weight:${pick(r, [1, 1, 2, 5])}`);
    if (type === 'ff') fields.push(`watch_port:${1 + Math.floor(r() * PORTS)}`);
    const actions: string[] = [];
    const k = 1 + Math.floor(r() * 3);
    for (let i = 0; i < k; i++) {
      const x = r();
      if (x < 0.45) actions.push(`output:${1 + Math.floor(r() * PORTS)}`);
      else if (x < 0.55 && id > 1) actions.push(`group:${1 + Math.floor(r() * (id - 1))}`);
      else {
        actions.push(
          pick(r, [
            'mod_dl_dst:02:dd:00:00:00:04',
            'mod_dl_src:02:ee:00:00:00:05',
            'push_vlan:0x8100',
            'strip_vlan',
            'mod_nw_src:10.8.8.8',
            'mod_nw_tos:0x20',
            'dec_ttl',
            'set_field:4444->tcp_dst',
            'set_field:5555->udp_src',
            'set_field:fd00::55->ipv6_src',
          ]),
        );
      }
    }
    fields.push(`actions=${actions.join(',')}`);
    buckets.push(`bucket=${fields.join(',')}`);
  }
  return `group_id=${id},type=${type},${buckets.join(',')}`;
}

// ---- the model: trace ops → frames out ------------------------------------------

/** Runs the trace's ops on a copy of `frame`, recomputing checksums after each rewrite. */
function model(frame: Buffer, inPort: number, ops: NativeTrace['ops']): Buffer[][] {
  const out: Buffer[][] = Array.from({ length: PORTS + 1 }, () => []);
  let f: Buffer = Buffer.from(frame);
  const emit = (port: number): void => {
    if (port >= 1 && port <= PORTS) out[port]!.push(Buffer.from(f));
  };
  for (const op of ops) {
    const d = P.decode(f);
    const tagged = d.vlans.length > 0;
    const u32 = op.u32 ?? 0;
    const l4ok = d.tcp !== undefined || d.udp !== undefined;
    switch (op.code) {
      case OP.output:
        emit(op.port!);
        continue;
      case OP.inPort:
        emit(inPort);
        continue;
      case OP.flood:
      case OP.all:
        for (let p = 1; p <= PORTS; p++) if (p !== inPort) emit(p);
        continue;
      case OP.local:
      case OP.controller:
        continue;
      case OP.setEthSrc:
        op.bytes!.copy(f, 6, 0, 6);
        break;
      case OP.setEthDst:
        op.bytes!.copy(f, 0, 0, 6);
        break;
      case OP.setVlanVid:
        if (tagged) f.writeUInt16BE((f.readUInt16BE(14) & 0xf000) | (u32 & 0x0fff), 14);
        break;
      case OP.setVlanPcp:
        if (tagged) f.writeUInt16BE((f.readUInt16BE(14) & 0x1fff) | ((u32 & 7) << 13), 14);
        break;
      case OP.pushVlan: {
        const tag = Buffer.alloc(4);
        tag.writeUInt16BE(u32, 0);
        tag.writeUInt16BE(0, 2); // VID 0, PCP 0, as OVS pushes it
        f = Buffer.concat([f.subarray(0, 12), tag, f.subarray(12)]);
        break;
      }
      case OP.popVlan:
        if (tagged) f = Buffer.concat([f.subarray(0, 12), f.subarray(16)]);
        break;
      case OP.setIpv4Src:
      case OP.setIpv4Dst:
        if (d.ipv4) f.writeUInt32BE(u32 >>> 0, d.l3 + (op.code === OP.setIpv4Src ? 12 : 16));
        break;
      case OP.setIpv6Src:
      case OP.setIpv6Dst:
        if (d.ipv6) op.bytes!.copy(f, d.l3 + (op.code === OP.setIpv6Src ? 8 : 24), 0, 16);
        break;
      case OP.setIpDscp:
      case OP.setIpEcn: {
        const tos = d.ipv4?.tos ?? d.ipv6?.tc;
        if (tos === undefined) break;
        const next = op.code === OP.setIpDscp ? ((u32 << 2) | (tos & 3)) & 0xff : (tos & 0xfc) | (u32 & 3);
        if (d.ipv4) f[d.l3 + 1] = next;
        else f.writeUInt32BE(((f.readUInt32BE(d.l3) & 0xf00fffff) | (next << 20)) >>> 0, d.l3);
        break;
      }
      case OP.setIpTtl:
        if (d.ipv4) f[d.l3 + 8] = u32;
        else if (d.ipv6) f[d.l3 + 7] = u32;
        break;
      case OP.decTtl: {
        const ttl = d.ipv4?.ttl ?? d.ipv6?.hlim;
        if (ttl === undefined) break;
        if (ttl <= 1) return out; // dropped: nothing after this
        f[d.l3 + (d.ipv4 ? 8 : 7)] = ttl - 1;
        break;
      }
      case OP.setTpSrc:
      case OP.setTpDst:
        if (l4ok) f.writeUInt16BE(u32, d.l4! + (op.code === OP.setTpSrc ? 0 : 2));
        break;
      default:
        throw new Error(`the model has no op ${op.code}`);
    }
    f = P.withFixedChecksums(f);
  }
  return out;
}

const hex = (ports: Buffer[][]): string[][] => ports.map((fs) => fs.map((f) => f.toString('hex')));

// ---- the test ----------------------------------------------------------------------

const bridge = (): Promise<Bridge> => memBridge('ofcache');
const sendOne = (br: Bridge, t: TestFrame): Promise<Buffer[][]> => sendFrames(br, t.inPort, t.frame);

/** The flow a naive linear classifier picks in `table` for a FlowKey (unique priorities per table). */
function naiveLookup(br: Bridge, table: number, key: Buffer): number | undefined {
  let best: { id: number; priority: number } | undefined;
  for (const e of br.flows.list()) {
    if (e.table !== table) continue;
    const { key: k, mask: m } = unpackMatch(e.match);
    let ok = true;
    for (let i = 0; i < k.length && ok; i++) if ((key[i]! ^ k[i]!) & m[i]!) ok = false;
    if (ok && (!best || e.spec.priority > best.priority)) best = { id: e.id, priority: e.spec.priority };
  }
  return best?.id;
}

class RuleSet {
  private readonly used: Set<number>[] = Array.from({ length: TABLES }, () => new Set());
  added = 0;
  refused = 0;
  constructor(
    private readonly br: Bridge,
    private readonly r: Rand,
    private readonly groups = 0,
  ) {}

  private freshPriority(table: number): number {
    for (;;) {
      const p = 1 + Math.floor(this.r() * 2000);
      if (!this.used[table]!.has(p)) return p;
    }
  }

  async addRandom(): Promise<void> {
    const table = chance(this.r, 0.5) ? 0 : 1 + Math.floor(this.r() * (TABLES - 1));
    const priority = this.freshPriority(table);
    try {
      await this.br.addFlow(randomFlow(this.r, table, priority, this.groups));
      this.used[table]!.add(priority);
      this.added++;
    } catch {
      this.refused++; // a random action its match does not allow; ovs-ofctl refuses it too
    }
  }

  async change(): Promise<string> {
    const flows = this.br.flows.list();
    const x = this.r();
    if (x < 0.4 || flows.length < 3) {
      await this.addRandom();
      return 'add';
    }
    if (this.groups && x > 0.9) {
      // A group changes under the cached programs that inline it.
      const id = 1 + Math.floor(this.r() * this.groups);
      await this.br.modGroup(randomGroup(this.r, id));
      return 'mod-group';
    }
    const victim = pick(this.r, flows);
    if (x < 0.6) {
      await this.br.delFlows(`table=${victim.table},priority=${victim.spec.priority}`, { strict: false });
      const left = new Set(this.br.flows.list().map((e) => `${e.table}/${e.spec.priority}`));
      for (const [t, set] of this.used.entries()) for (const p of set) if (!left.has(`${t}/${p}`)) set.delete(p);
      return 'delete';
    }
    // Modify: new random actions for one flow (strict), or replace it with an add.
    const text = randomFlow(this.r, victim.table, victim.spec.priority, this.groups);
    const actions = text.slice(text.indexOf('actions='));
    try {
      const spec = formatFlow({ ...victim.spec, actions: [], instructions: {} }).replace(/ actions=.*$/, '');
      await this.br.modFlows(`${spec},${actions}`, { strict: true });
    } catch {
      this.refused++;
    }
    return 'modify';
  }
}

const MODES: Record<string, Partial<NativeCacheConfig>> = {
  both: {},
  'megaflows alone': { exactMatch: false },
  'exact alone': { megaflows: false },
  // Two masks at most: new megaflows coalesce into wider ones, whole fields, or exact.
  'masks coalesced': { maxMasks: 2, prefixGranularity: 1 },
  // Flows output through random groups (all, select, indirect, ff, chained).
  groups: {},
};
const GROUPS = 6;
const CASES = [
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((seed) => ['both', seed] as const),
  ...[1, 2, 3, 4].map((seed) => ['megaflows alone', seed] as const),
  ...[5, 6, 7].map((seed) => ['exact alone', seed] as const),
  ...[8, 9, 10].map((seed) => ['masks coalesced', seed] as const),
  ...[11, 12, 13, 14, 15, 16].map((seed) => ['groups', seed] as const),
];

/** The megaflow a trace reports covers the packet's own key (what table 0 saw): key = packet key & mask. */
function covers(mf: NativeTrace['megaflow'], packetKey: Buffer): boolean {
  for (let i = 0; i < mf.key.length; i++) if ((packetKey[i]! & mf.mask[i]!) !== mf.key[i]) return false;
  return true;
}

describe('the caches agree with the uncached pipeline', () => {
  it.each(CASES)('random rule sets and frames (%s, seed %i)', async (mode, seed) => {
    const r = prng(seed * 7919);
    const br = await bridge();
    await br.setCacheConfig(MODES[mode]!);
    const groups = mode === 'groups' ? GROUPS : 0;
    for (let g = 1; g <= groups; g++) await br.addGroup(randomGroup(r, g));
    const rules = new RuleSet(br, r, groups);
    for (let i = 0; i < 25; i++) await rules.addRandom();
    // A catch-all per table, so that most frames go somewhere (a miss is a drop).
    for (let t = 0; t < TABLES; t++) {
      await br.addFlow(`table=${t},priority=0,actions=output:${1 + (t % PORTS)}${t + 1 < TABLES ? `,goto_table:${t + 1}` : ''}`);
    }
    const frames = Array.from({ length: 40 }, () => randomFrame(r));
    let compared = 0;
    let nonEmpty = 0;
    for (let round = 0; round < 8; round++) {
      for (const [i, t] of frames.entries()) {
        const where = `${mode} seed ${seed} round ${round} frame ${i} (in_port ${t.inPort}, ${t.frame.toString('hex')})`;
        const first = await sendOne(br, t);
        const s1 = await br.stats();
        const again = await sendOne(br, t);
        const s2 = await br.stats();
        if (mode === 'megaflows alone') expect(s2.megaflowHits - s1.megaflowHits, `${where}: the repeat hits its megaflow`).toBe(1);
        else expect(s2.cacheHits - s1.cacheHits, `${where}: the repeat hits the exact-match cache`).toBe(1);
        expect(s2.translations, `${where}: a repeat is never translated`).toBe(s1.translations);
        expect(hex(again), `${where}: cached = translated`).toEqual(hex(first));
        const trace = await br.traceFrame(t.frame, t.inPort);
        expect(trace.megaflow.installed, `${where}: the frame's megaflow is installed`).toBe(true);
        const predicted = model(t.frame, t.inPort, trace.ops);
        predicted[0] = [];
        expect(hex(first), `${where}: what traceFrame predicts\n${trace.steps.map((s) => s.flow?.spec && `${s.table}: ${JSON.stringify(s.flow.spec.actions)}`).join('\n')}`).toEqual(hex(predicted));
        expect(covers(trace.megaflow, trace.steps[0]!.key), `${where}: its megaflow covers the frame`).toBe(true);
        for (const s of trace.steps) {
          expect(s.flow?.id, `${where}: table ${s.table} picks what a linear search picks`).toBe(naiveLookup(br, s.table, s.key));
        }
        for (const fs of first) for (const f of fs) expect(P.checksumErrors(f), where).toEqual([]);
        compared++;
        if (first.some((fs) => fs.length)) nonEmpty++;
      }
      // Change the tables; the next round must see the new rules, not stale results.
      const n = 1 + Math.floor(r() * 4);
      for (let i = 0; i < n; i++) await rules.change();
    }
    expect(compared).toBe(8 * frames.length);
    // Not vacuous: most random flows were accepted and many frames went somewhere;
    // frames shared megaflows, and table changes kept some of them.
    expect(rules.added).toBeGreaterThan(rules.refused);
    expect(nonEmpty).toBeGreaterThan(compared / 10);
    const s = await br.stats();
    if (mode === 'megaflows alone') expect(s.megaflowHits, 'repeats hit megaflows').toBeGreaterThanOrEqual(compared);
    if (mode === 'masks coalesced') expect(s.megaflowMasks).toBeLessThanOrEqual(5);
    if (mode !== 'exact alone') expect(s.megaflowsKept, 'table changes kept megaflows they could not affect').toBeGreaterThan(0);
    expect(s.megaflowsRevalidated, 'table changes dropped the megaflows they could affect').toBeGreaterThan(0);
    if (groups) {
      const gs = await br.groupStats();
      expect(gs.filter((g) => g.packetCount > 0n).length, 'frames went through several groups').toBeGreaterThan(1);
    }
  });

  it('a burst of repeats of one microflow comes out as the same frames, in order', async () => {
    const br = await bridge();
    await br.addFlows(['priority=10,ip,actions=output:2,mod_nw_dst:10.9.9.9,dec_ttl,output:3', 'priority=5,actions=flood'].join('\n'));
    const frames = Array.from({ length: 64 }, (_, i) => P.udp4({ l4: { payload: Buffer.from(`n${i}`) } }));
    await br.inject('m1', frames);
    const two = await br.drain('m2');
    const three = await br.drain('m3');
    expect(two.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
    expect(three.map((f) => f.toString('hex'))).toEqual(frames.map((f, i) => P.udp4({ ip: { dst: '10.9.9.9', ttl: 63 }, l4: { payload: Buffer.from(`n${i}`) } }).toString('hex')));
    // Payloads differ, headers do not: one microflow, one miss, the rest hits.
    const s = await br.stats();
    expect(s.cacheMisses).toBe(1);
    expect(s.cacheHits).toBe(63);
  });

  it('every flow-mod invalidates: add, modify, delete each change the next cached decision', async () => {
    const br = await bridge();
    const t = { inPort: 1, frame: P.tcp4() };
    await br.addFlow('priority=10,tcp,actions=output:2');
    expect((await sendOne(br, t))[2]).toHaveLength(1);
    expect((await sendOne(br, t))[2]).toHaveLength(1);
    await br.addFlow('priority=20,tcp,actions=output:3');
    expect((await sendOne(br, t))[3]).toHaveLength(1);
    await br.modFlows('priority=20,tcp,actions=output:4', { strict: true });
    expect((await sendOne(br, t))[4]).toHaveLength(1);
    await br.delFlows('priority=20,tcp', { strict: true });
    expect((await sendOne(br, t))[2]).toHaveLength(1);
    await br.delFlows();
    const out = await sendOne(br, t);
    expect(out.flat()).toHaveLength(0);
    expect((await br.stats()).tableMiss).toBe(1);
  });
});
