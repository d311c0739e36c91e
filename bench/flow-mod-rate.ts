// The OpenFlow scenarios: how fast flows go in, how fast the classifier looks packets
// up, how fast a reactive controller sets flows up. They drive nodeswitch bridges of
// their own over mem ports (no kernel devices), in this process, next to whatever
// switch the round has attached to the topology's veths.
//
//   flow-mod-rate      100k distinct rules in one Bridge.addFlows (one add-flows text);
//                      parse, flow-table (compile, checks) and native install timed
//                      apart. Reference (ovs column): `ovs-ofctl -O OpenFlow13 add-flows`
//                      of the same file into a bridge of its own in the ovs round's
//                      private ovs-vswitchd (bench/ovs.ts), which times ovs-ofctl's
//                      parse + encode + ovs-vswitchd's flow-mods to the closing barrier;
//                      its parse row is `ovs-ofctl parse-flows`.
//   memory-per-rule    RSS growth for those 100k rules (after a GC, the text and the
//                      parsed specs dropped); reference: ovs-vswitchd's VmRSS growth.
//   classifier-lookup  10k rules over 20 distinct masks; packet rate through mem ports
//                      when every packet misses the microflow cache (200k distinct
//                      5-tuples, each injected once) and when every packet hits it (16
//                      frames repeated), against a table of one priority=0,actions=drop.
//   flow-setup-rate    priority=0,actions=controller and a TS packet-in handler that
//                      adds in_port,dl_src,dl_dst → output:2 and packet-outs the frame;
//                      new flows per second until each of N MAC pairs has its flow.
//
// The table has one column per mode and the run calls every scenario once per mode,
// so a scenario finds out which switch the round attached (a Linux bridge or an OVS
// bridge named by the lab) and measures nodeswitch in the nodeswitch round and its
// reference, where it has one, in the ovs round; elsewhere it measures nothing.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../test/lab/index.js';
import type { NativeDatapath, NativeFlow } from '../src/native.js';
import { parseFlowsFile } from '../src/ofproto/flow-syntax.js';
import type { Bridge } from '../src/bridge.js';
import type { PacketIn } from '../src/types.js';
import { ovsMissing } from './ovs.js';
import { type ClassifierRule, classifierFlowText, classifierRules, collect, FRAME_LEN, ipStr, rng, writeTcpFrame } from './workload.js';
import { median, type Scenario } from './scenario.js';
import { attachedMode as topologyMode, type ModeName, type Topology } from './topology.js';

type SwitchModule = typeof import('../src/switch.js');

const FLOW_MOD_RULES = 100_000;
const CLASSIFIER_RULES = 10_000;
const CLASSIFIER_MASKS = 20;
const MISS_FRAMES = 200_000;
const HIT_DISTINCT = 16;
const INJECT_CHUNK = 10_000;
const SETUP_PAIRS = 5_000;
const SETUP_INJECT_CHUNK = 1_000;

// ---------------------------------------------------------------------------------
// Which switch the round attached.

/** The mode the round attached (topology.ts records it); 'nodeswitch-bare' has no OpenFlow to measure. */
function attachedMode(topo: Topology): ModeName | 'skip' {
  const mode = topologyMode(topo);
  return mode === undefined || mode === 'nodeswitch-bare' ? 'skip' : mode;
}

let switchModule: SwitchModule | undefined;
async function newSwitch(): Promise<InstanceType<SwitchModule['Switch']>> {
  switchModule ??= await import('../src/switch.js');
  return new switchModule.Switch();
}

// ---------------------------------------------------------------------------------
// GC and RSS.


function procRss(pid: string): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

// ---------------------------------------------------------------------------------
// A private ovs-vswitchd for the references.

class OvsRef {
  private constructor(
    readonly dir: string,
    readonly bridge: string,
  ) {}

  /**
   * A bridge of its own in the ovs round's ovs-vswitchd (bench/ovs.ts's private
   * daemons). A second ovs-vswitchd cannot run beside it: the netdev datapath's
   * "ovs-netdev" device is one per network namespace. OvsFabric keeps its run
   * directory to itself, so it is found by the fabric bridge's management socket.
   */
  static async open(topo: Topology, bridge: string): Promise<OvsRef> {
    const fabricBridge = topo.lab.name('ovs');
    const dir = readdirSync(tmpdir())
      .filter((d) => d.startsWith('nodeswitch-bench-ovs-'))
      .map((d) => join(tmpdir(), d))
      .find((d) => existsSync(join(d, `${fabricBridge}.mgmt`)));
    if (dir === undefined) throw new Error(`cannot find the run directory of the ovs round's ovs-vswitchd (bridge ${fabricBridge})`);
    const ref = new OvsRef(dir, bridge);
    await ref.vsctl(['--', '--if-exists', 'del-br', bridge, '--', 'add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev']);
    try {
      await ref.ofctl(['del-flows']); // the NORMAL flow a new bridge gets
    } catch (err) {
      await ref.close();
      throw err;
    }
    return ref;
  }

  private vsctl(args: readonly string[]): Promise<unknown> {
    return run(['ovs-vsctl', `--db=unix:${join(this.dir, 'db.sock')}`, '--timeout=20', ...args], { timeoutMs: 30_000 });
  }

  ofctl(args: readonly string[], timeoutMs = 30_000): Promise<{ stdout: string }> {
    const [cmd, ...rest] = args;
    return run(['ovs-ofctl', '-O', 'OpenFlow13', cmd!, `unix:${join(this.dir, `${this.bridge}.mgmt`)}`, ...rest], { timeoutMs });
  }

  async flowCount(): Promise<number> {
    const r = await this.ofctl(['dump-aggregate']);
    const m = /flow_count=(\d+)/.exec(r.stdout);
    if (!m) throw new Error(`dump-aggregate printed "${r.stdout.trim()}"`);
    return Number(m[1]);
  }

  rss(): number {
    return procRss(readFileSync(join(this.dir, 'ovs-vswitchd.pid'), 'utf8').trim());
  }

  async close(): Promise<void> {
    await this.vsctl(['--if-exists', 'del-br', this.bridge]);
  }
}

// ---------------------------------------------------------------------------------
// Frames and rules.


function macStr(b: Buffer, off: number): string {
  const h = b.toString('hex', off, off + 6);
  return h.replace(/(..)(?!$)/g, '$1:');
}


const SLOT = 64;


function frameViews(buf: Buffer, n: number): Buffer[] {
  const out: Buffer[] = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) out[i] = buf.subarray(i * SLOT, i * SLOT + FRAME_LEN);
  return out;
}

const MAC_A = Buffer.from('020000000001', 'hex');
const MAC_B = Buffer.from('020000000002', 'hex');

/** The flow-mod file: FLOW_MOD_RULES distinct 5-field TCP rules. */
function flowModText(): string {
  const lines: string[] = [];
  for (let i = 0; i < FLOW_MOD_RULES; i++) {
    const src = (10 << 24) | i; // 10.0.0.0 + i: distinct
    lines.push(
      `table=0,priority=${100 + (i % 100)},tcp,nw_src=${ipStr(src)},nw_dst=192.168.${(i >>> 8) & 255}.${i & 255},` +
        `tp_dst=${1024 + (i % 50_000)},actions=output:2`,
    );
  }
  return lines.join('\n') + '\n';
}




/** `n` distinct TCP 5-tuples, each matching some rule (picked at random). */
function classifierFrames(rules: readonly ClassifierRule[], n: number): Buffer[] {
  const next = rng(0xf7a3e5);
  const buf = Buffer.alloc(n * SLOT);
  const seen = new Set<string>();
  let i = 0;
  while (i < n) {
    const r = rules[next() % rules.length]!;
    const host = r.len === 32 ? 0 : next() & (0xffffffff >>> r.len);
    const within = (r.addr | host) >>> 0;
    const other = ((172 << 24) | (next() & 0xffffff)) >>> 0;
    const sip = r.kind === 'src' ? within : other;
    const dip = r.kind === 'dst' ? within : other;
    const sport = 1024 + (next() % 60_000);
    const dport = r.kind === 'src' ? r.port : 1 + (next() % 1024);
    const sig = `${sip}:${dip}:${sport}:${dport}`;
    if (seen.has(sig)) continue;
    seen.add(sig);
    writeTcpFrame(buf, i * SLOT, MAC_B, MAC_A, sip, dip, sport, dport);
    i++;
  }
  return frameViews(buf, n);
}

// ---------------------------------------------------------------------------------
// Timing helpers.

/** Times an async call to the bridge's native datapath from inside a Bridge method. */
function timeNative<K extends keyof NativeDatapath>(bridge: Bridge, method: K): { ms: () => number; restore: () => void } {
  // Bench instrumentation: Bridge keeps its datapath private; an own property on the
  // instance shadows the addon's (read-only) prototype method.
  const dp = (bridge as unknown as { dp: NativeDatapath }).dp;
  const orig = dp[method] as unknown as (...a: unknown[]) => Promise<unknown>;
  let total = 0;
  Object.defineProperty(dp, method, {
    configurable: true,
    writable: true,
    value: async (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return await orig.apply(dp, args);
      } finally {
        total += performance.now() - t0;
      }
    },
  });
  return { ms: () => total, restore: () => void delete (dp as unknown as Record<string, unknown>)[method] };
}

/** Nanoseconds for `frames` through `port`, injected INJECT_CHUNK at a time. */
async function injectTimed(bridge: Bridge, port: string, frames: readonly Buffer[]): Promise<number> {
  let ns = 0n;
  for (let i = 0; i < frames.length; i += INJECT_CHUNK) {
    const chunk = frames.slice(i, i + INJECT_CHUNK);
    const t0 = process.hrtime.bigint();
    await bridge.inject(port, chunk);
    ns += process.hrtime.bigint() - t0;
  }
  return Number(ns);
}

// ---------------------------------------------------------------------------------
// flow-mod-rate and memory-per-rule.

let flowModTextCache: string | undefined;
function flowModFile(): string {
  return (flowModTextCache ??= flowModText());
}

async function nodeswitchFlowMod(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const text = flowModFile();
  // Parse on its own first (it also warms the parser up for the timed call).
  let t0 = performance.now();
  const specs = parseFlowsFile(text, { context: 'add' });
  const parseMs = performance.now() - t0;
  if (specs.length !== FLOW_MOD_RULES) throw new Error(`parsed ${specs.length} flows, not ${FLOW_MOD_RULES}`);
  const sw = await newSwitch();
  try {
    const br = sw.addBridge(topo.lab.name('ofm'), { defaultFlows: false });
    await br.addPort('m1', { type: 'mem' });
    await br.addPort('m2', { type: 'mem' });
    const native = timeNative(br, 'installFlows');
    t0 = performance.now();
    const n = await br.addFlows(text);
    const totalMs = performance.now() - t0;
    native.restore();
    const installed = br.flows.list().length;
    if (n !== FLOW_MOD_RULES || installed !== FLOW_MOD_RULES) throw new Error(`addFlows reported ${n}, the table holds ${installed}`);
    const nativeMs = native.ms();
    const tableMs = totalMs - parseMs - nativeMs;
    log(`total ${totalMs.toFixed(0)} ms: parse ~${parseMs.toFixed(0)} ms, flow table ~${tableMs.toFixed(0)} ms, native ${nativeMs.toFixed(0)} ms`);
    return {
      'add-flows': (FLOW_MOD_RULES / totalMs) * 1000,
      'total time': totalMs / 1000,
      parse: parseMs / 1000,
      install: (totalMs - parseMs) / 1000,
      'of which native': nativeMs / 1000,
    };
  } finally {
    await sw.close();
  }
}

async function ovsFlowMod(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const ovs = await OvsRef.open(topo, topo.lab.name('ofr'));
  const file = join(ovs.dir, 'nodeswitch-flow-mod.txt');
  try {
    writeFileSync(file, flowModFile());
    let t0 = performance.now();
    await run(['ovs-ofctl', '-O', 'OpenFlow13', 'parse-flows', file], { timeoutMs: 120_000 });
    const parseMs = performance.now() - t0;
    t0 = performance.now();
    await ovs.ofctl(['add-flows', file], 300_000);
    const totalMs = performance.now() - t0;
    const count = await ovs.flowCount();
    if (count !== FLOW_MOD_RULES) throw new Error(`OVS holds ${count} flows after add-flows, not ${FLOW_MOD_RULES}`);
    log(`ovs-ofctl add-flows ${totalMs.toFixed(0)} ms; parse-flows ${parseMs.toFixed(0)} ms`);
    return {
      'add-flows': (FLOW_MOD_RULES / totalMs) * 1000,
      'total time': totalMs / 1000,
      parse: parseMs / 1000,
    };
  } finally {
    rmSync(file, { force: true });
    await ovs.close();
  }
}

async function nodeswitchMemory(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  let text: string | undefined = flowModFile();
  const sw = await newSwitch();
  try {
    const br = sw.addBridge(topo.lab.name('omr'), { defaultFlows: false });
    await br.addPort('m1', { type: 'mem' });
    await br.addPort('m2', { type: 'mem' });
    const gc = collect();
    const before = process.memoryUsage();
    await br.addFlows(text);
    text = undefined;
    collect();
    const after = process.memoryUsage();
    if (br.flows.list().length !== FLOW_MOD_RULES) throw new Error('not every flow was installed');
    const perRule = (after.rss - before.rss) / FLOW_MOD_RULES;
    log(
      `rss ${(before.rss / 1e6).toFixed(0)} → ${(after.rss / 1e6).toFixed(0)} MB, JS heap ${(before.heapUsed / 1e6).toFixed(0)} → ` +
        `${(after.heapUsed / 1e6).toFixed(0)} MB${gc ? '' : ' (no GC available)'}`,
    );
    return {
      'rss growth': (after.rss - before.rss) / 1e6,
      'per rule': perRule,
      'JS heap growth': (after.heapUsed - before.heapUsed) / 1e6,
    };
  } finally {
    await sw.close();
  }
}

async function ovsMemory(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const ovs = await OvsRef.open(topo, topo.lab.name('omo'));
  const file = join(ovs.dir, 'nodeswitch-flow-mod.txt');
  try {
    writeFileSync(file, flowModFile());
    const before = ovs.rss();
    await ovs.ofctl(['add-flows', file], 300_000);
    const after = ovs.rss();
    log(`ovs-vswitchd rss ${(before / 1e6).toFixed(0)} → ${(after / 1e6).toFixed(0)} MB`);
    return { 'rss growth': (after - before) / 1e6, 'per rule': (after - before) / FLOW_MOD_RULES };
  } finally {
    rmSync(file, { force: true });
    await ovs.close();
  }
}

/** The ovs round's reference, or nothing when OVS cannot run here. */
async function maybeOvs(fn: () => Promise<Record<string, number>>, log: (l: string) => void): Promise<Record<string, number>> {
  const missing = ovsMissing();
  if (missing !== undefined) {
    log(`no OVS reference: ${missing}`);
    return {};
  }
  return fn();
}

export const flowModRate: Scenario = {
  name: 'flow-mod-rate',
  metrics: [
    { name: 'add-flows', unit: 'rules/s', digits: 0 },
    { name: 'total time', unit: 's', digits: 2 },
    { name: 'parse', unit: 's', digits: 2 },
    { name: 'install', unit: 's', digits: 2 },
    { name: 'of which native', unit: 's', digits: 2 },
  ],
  tools: [],
  note:
    `${FLOW_MOD_RULES / 1000}k distinct rules in one add-flows text. nodeswitch: one Bridge.addFlows call; 'parse' is ` +
    "parseFlowsFile on the same text timed on its own just before, 'install' the rest of the call (compile, flow-table " +
    "checks, the native install), 'of which native' the datapath's installFlows. ovs: 'ovs-ofctl -O OpenFlow13 add-flows' " +
    "of the same file into a fresh bridge of the ovs round's private ovs-vswitchd (its parse, the flow-mods, the " +
    "closing barrier); its 'parse' is " +
    "'ovs-ofctl parse-flows' (parse and print). No Linux-bridge figures.",
  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'nodeswitch') return nodeswitchFlowMod(topo, log);
    if (mode === 'ovs') return maybeOvs(() => ovsFlowMod(topo, log), log);
    return {};
  },
};

const memoryMeasured = new Set<ModeName>();

export const memoryPerRule: Scenario = {
  name: 'memory-per-rule',
  metrics: [
    { name: 'rss growth', unit: 'MB/100k rules', digits: 1 },
    { name: 'per rule', unit: 'B', digits: 0 },
    { name: 'JS heap growth', unit: 'MB', digits: 1 },
  ],
  tools: [],
  note:
    'nodeswitch: process RSS before and after one addFlows of the flow-mod-rate file, each after a full GC (the text ' +
    'dropped). ovs: ovs-vswitchd VmRSS before and after ovs-ofctl add-flows of the same file into a fresh bridge. ' +
    'Both processes live through the whole bench and reuse what earlier runs freed, so this is measured once, in the ' +
    'first run, before the other OpenFlow scenarios. No Linux-bridge figures.',
  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'linux-bridge' || mode === 'skip') return {};
    if (memoryMeasured.has(mode)) {
      log('measured in the first run only: later runs would reuse memory the earlier ones freed');
      return {};
    }
    memoryMeasured.add(mode);
    return mode === 'nodeswitch' ? nodeswitchMemory(topo, log) : maybeOvs(() => ovsMemory(topo, log), log);
  },
};

// ---------------------------------------------------------------------------------
// classifier-lookup.

interface ClassifierData {
  text: string;
  missFrames: Buffer[];
  hitFrames: Buffer[];
}
let classifierData: ClassifierData | undefined;
function classifierInput(): ClassifierData {
  if (classifierData) return classifierData;
  const rules = classifierRules(0xc1a55, CLASSIFIER_RULES, CLASSIFIER_MASKS);
  const missFrames = classifierFrames(rules, MISS_FRAMES);
  const few = missFrames.slice(0, HIT_DISTINCT);
  const hitFrames = Array.from({ length: MISS_FRAMES }, (_, i) => few[i % HIT_DISTINCT]!);
  return (classifierData = { text: classifierFlowText(rules), missFrames, hitFrames });
}

async function classifierBridge(
  sw: InstanceType<SwitchModule['Switch']>,
  name: string,
  flows: string,
): Promise<Bridge> {
  const br = sw.addBridge(name, { defaultFlows: false });
  await br.addPort('m1', { type: 'mem' });
  await br.addPort('m2', { type: 'mem' });
  await br.addFlows(flows);
  return br;
}

interface Pass {
  ns: number;
  hits: number;
  misses: number;
  out: number;
}

async function pass(br: Bridge, frames: readonly Buffer[], warm: readonly Buffer[] | undefined): Promise<Pass> {
  if (warm) await br.inject('m1', [...warm]);
  await br.drain('m2');
  const s0 = await br.stats();
  const ns = await injectTimed(br, 'm1', frames);
  const s1 = await br.stats();
  const out = (await br.drain('m2')).length;
  return { ns, hits: s1.cacheHits - s0.cacheHits, misses: s1.cacheMisses - s0.cacheMisses, out };
}

const CLASSIFIER_REPEATS = 3;

async function nodeswitchClassifier(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const data = classifierInput();
  // A switch per bridge: mem port names are unique within a switch.
  const switches = await Promise.all([newSwitch(), newSwitch(), newSwitch()]);
  try {
    const [sFull, sDrop, sOut] = switches;
    const full = await classifierBridge(sFull!, topo.lab.name('ocl'), data.text);
    const masks = new Set(full.flows.list().map((e) => (e.native as NativeFlow).mask.toString('hex')));
    if (full.flows.list().length !== CLASSIFIER_RULES || masks.size !== CLASSIFIER_MASKS) {
      throw new Error(`the table holds ${full.flows.list().length} flows over ${masks.size} masks`);
    }
    const drop = await classifierBridge(sDrop!, topo.lab.name('ocd'), 'priority=0,actions=drop\n');
    const out = await classifierBridge(sOut!, topo.lab.name('oco'), 'priority=0,actions=output:2\n');
    const n = MISS_FRAMES;
    const few = data.hitFrames.slice(0, HIT_DISTINCT);
    // The cache holds thousands of entries and every distinct frame goes in once per
    // pass, so a miss pass finds none of its keys cached (checked below); hit passes
    // are warmed with one burst of their frames. Each kind of pass runs
    // CLASSIFIER_REPEATS times, interleaved, after one warm-up round; the median counts.
    const kinds = {
      miss: () => pass(full, data.missFrames, undefined),
      hit: () => pass(full, data.hitFrames, few),
      dropMiss: () => pass(drop, data.missFrames, undefined),
      dropHit: () => pass(drop, data.hitFrames, few),
      outMiss: () => pass(out, data.missFrames, undefined),
    };
    type Kind = keyof typeof kinds;
    const ns = new Map<Kind, number[]>();
    for (let r = 0; r <= CLASSIFIER_REPEATS; r++) {
      for (const k of Object.keys(kinds) as Kind[]) {
        const p = await kinds[k]();
        const missing = k.endsWith('Hit') || k === 'hit' ? n - p.hits : n - p.misses;
        if (missing > 0.01 * n) throw new Error(`${k} pass: ${p.hits} cache hits and ${p.misses} misses of ${n} frames`);
        const expectOut = k === 'dropMiss' || k === 'dropHit' ? 0 : n;
        if (p.out !== expectOut) throw new Error(`${k} pass: ${p.out} of ${n} frames came out of m2, not ${expectOut}`);
        if (r > 0) ns.set(k, [...(ns.get(k) ?? []), p.ns / n]);
      }
    }
    const per = (k: Kind): number => median(ns.get(k)!);
    log(
      [...ns].map(([k, v]) => `${k} ${v.map((x) => x.toFixed(0)).join('/')}`).join(', ') + ' ns/packet',
    );
    return {
      'cache miss rate': 1e3 / per('miss'),
      'cache miss': per('miss'),
      'cache hit rate': 1e3 / per('hit'),
      'cache hit': per('hit'),
      'empty (drop), distinct frames': per('dropMiss'),
      'empty (drop), repeated frames': per('dropHit'),
      'empty (output:2), distinct frames': per('outMiss'),
      'miss / empty': per('miss') / per('dropMiss'),
      'hit / empty': per('hit') / per('dropHit'),
    };
  } finally {
    for (const sw of switches) await sw.close();
  }
}

export const classifierLookup: Scenario = {
  name: 'classifier-lookup',
  metrics: [
    { name: 'cache miss rate', unit: 'Mpps', digits: 3 },
    { name: 'cache miss', unit: 'ns/packet', digits: 0 },
    { name: 'cache hit rate', unit: 'Mpps', digits: 3 },
    { name: 'cache hit', unit: 'ns/packet', digits: 0 },
    { name: 'empty (drop), distinct frames', unit: 'ns/packet', digits: 0 },
    { name: 'empty (drop), repeated frames', unit: 'ns/packet', digits: 0 },
    { name: 'empty (output:2), distinct frames', unit: 'ns/packet', digits: 0 },
    { name: 'miss / empty', unit: '×', digits: 2 },
    { name: 'hit / empty', unit: '×', digits: 2 },
  ],
  tools: [],
  note:
    `${CLASSIFIER_RULES / 1000}k rules over ${CLASSIFIER_MASKS} masks (nw_dst/len or nw_src/len+tp_dst, priority by ` +
    `prefix length), all output:2, through mem ports, ${INJECT_CHUNK / 1000}k frames per inject call: ` +
    `'cache miss' ${MISS_FRAMES / 1000}k distinct 5-tuples once each, 'cache hit' ${HIT_DISTINCT} frames repeated ` +
    `${MISS_FRAMES / 1000}k times; 'empty' is the same on a table of one priority=0 rule (drop: the ratios' ` +
    'baseline; output:2: the same output work as the full table). Wall time per packet (median of ' +
    `${CLASSIFIER_REPEATS} interleaved passes), including the JS→native call and one copy of each frame into the mem ` +
    'port on inject (and one out of it on output:2). nodeswitch only: no reference.',
  async run(topo, log) {
    return attachedMode(topo) === 'nodeswitch' ? nodeswitchClassifier(topo, log) : {};
  },
};

// ---------------------------------------------------------------------------------
// flow-setup-rate.

function setupFrames(n: number): Buffer[] {
  const buf = Buffer.alloc(n * SLOT);
  const src = Buffer.alloc(6);
  const dst = Buffer.alloc(6);
  for (let i = 0; i < n; i++) {
    // Locally administered unicast MACs: 02:00:ii:ii:ii:ii → 06:00:ii:ii:ii:ii.
    src.writeUInt16BE(0x0200, 0);
    src.writeUInt32BE(i, 2);
    dst.writeUInt16BE(0x0600, 0);
    dst.writeUInt32BE(i, 2);
    writeTcpFrame(buf, i * SLOT, dst, src, 0x0a000001 + i, 0x0a800001 + i, 40000 + (i % 20000), 80);
  }
  return frameViews(buf, n);
}

async function nodeswitchFlowSetup(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const n = SETUP_PAIRS;
  const frames = setupFrames(n);
  const sw = await newSwitch();
  try {
    const br = sw.addBridge(topo.lab.name('ofs'), { defaultFlows: false });
    await br.addPort('m1', { type: 'mem' });
    await br.addPort('m2', { type: 'mem' });
    await br.addFlow('priority=0,actions=controller');
    await br.setUpcallLimits(1 << 16, 10_000_000);

    const key = (b: Buffer): string => b.toString('hex', 0, 12);
    const wanted = new Set(frames.map(key));
    const pending = new Set<string>();
    const installed = new Set<string>();
    const setupTimes: number[] = [];
    let packetIns = 0;
    let duplicates = 0;
    let progress = 0; // packet-ins and installations
    let failure: Error | undefined;
    let t0 = 0;
    let done: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (done = resolve));

    // The controller: an exact-match flow for each new (in_port, dl_src, dl_dst), then
    // the packet itself.
    const onPacketIn = (p: PacketIn): void => {
      packetIns++;
      progress++;
      const k = key(p.data);
      if (pending.has(k) || installed.has(k)) {
        duplicates++;
        return;
      }
      pending.add(k);
      const flow = `priority=100,in_port=${p.inPort},dl_src=${macStr(p.data, 6)},dl_dst=${macStr(p.data, 0)},actions=output:2`;
      br.addFlow(flow)
        .then(() => {
          pending.delete(k);
          installed.add(k);
          progress++;
          setupTimes.push(performance.now() - t0);
          if (installed.size === wanted.size) done();
          return br.packetOut(p.data, 'output:2', p.inPort);
        })
        .catch((err: unknown) => {
          failure ??= err as Error;
          done();
        });
    };
    br.on('packetIn', onPacketIn);

    const s0 = await br.stats();
    t0 = performance.now();
    let rounds = 0;
    while (installed.size < n && !failure) {
      rounds++;
      if (rounds > 50) throw new Error(`after 50 rounds ${installed.size} of ${n} flows are installed`);
      const todo = frames.filter((f) => !installed.has(key(f)) && !pending.has(key(f)));
      for (let i = 0; i < todo.length; i += SETUP_INJECT_CHUNK) await br.inject('m1', todo.slice(i, i + SETUP_INJECT_CHUNK));
      // Wait for the controller to catch up; packets the upcall queue dropped are sent again.
      let last = -1;
      while (installed.size < n && !failure && progress !== last) {
        last = progress;
        await Promise.race([allDone, new Promise((r) => setTimeout(r, 200))]);
      }
    }
    const elapsed = performance.now() - t0;
    br.off('packetIn', onPacketIn);
    if (failure) throw failure;
    const s1 = await br.stats();

    // Check: every pair now goes straight through, without the controller.
    await new Promise((r) => setTimeout(r, 100));
    const outFirst = (await br.drain('m2')).length;
    for (let i = 0; i < n; i += INJECT_CHUNK) await br.inject('m1', frames.slice(i, i + INJECT_CHUNK));
    const s2 = await br.stats();
    const outAgain = (await br.drain('m2')).length;
    if (outAgain !== n || s2.upcalls !== s1.upcalls) {
      throw new Error(`after setup, ${outAgain} of ${n} frames went through and ${s2.upcalls - s1.upcalls} went to the controller`);
    }
    const rateBetween = (a: number, b: number): number => ((b - a) * 1000) / (setupTimes[b - 1]! - (a === 0 ? 0 : setupTimes[a - 1]!));
    const tenth = Math.floor(n / 10);
    log(
      `${n} flows in ${elapsed.toFixed(0)} ms over ${rounds} injection round(s); ${packetIns} packet-ins ` +
        `(${duplicates} for pairs already pending), upcalls ${s1.upcalls - s0.upcalls}, upcall drops ${s1.upcallDrops - s0.upcallDrops}; ` +
        `packet-outs delivered ${outFirst}; first 10 % at ${rateBetween(0, tenth).toFixed(0)} flows/s, ` +
        `last 10 % at ${rateBetween(n - tenth, n).toFixed(0)} flows/s`,
    );
    return {
      'new flows': (n * 1000) / elapsed,
      'first 10 %': rateBetween(0, tenth),
      'last 10 %': rateBetween(n - tenth, n),
      'upcall drops': s1.upcallDrops - s0.upcallDrops,
    };
  } finally {
    await sw.close();
  }
}

export const flowSetupRate: Scenario = {
  name: 'flow-setup-rate',
  metrics: [
    { name: 'new flows', unit: 'flows/s', digits: 0 },
    { name: 'first 10 %', unit: 'flows/s', digits: 0 },
    { name: 'last 10 %', unit: 'flows/s', digits: 0 },
    { name: 'upcall drops', unit: 'packets', digits: 0 },
  ],
  tools: [],
  note:
    `${SETUP_PAIRS / 1000}k MAC pairs through a mem port into priority=0,actions=controller (upcall limits raised to ` +
    '65536 queued, 10M/s); a TS packet-in handler adds in_port,dl_src,dl_dst → output:2 (Bridge.addFlow, one flow-mod ' +
    'each) and packet-outs the frame; time from the first frame until every pair has its flow (pairs whose packet-in ' +
    "was dropped are sent again). 'first/last 10 %' are the rates over the first and last tenth of the flows. " +
    'nodeswitch only: no reference (the other columns stay empty).',
  async run(topo, log) {
    return attachedMode(topo) === 'nodeswitch' ? nodeswitchFlowSetup(topo, log) : {};
  },
};

