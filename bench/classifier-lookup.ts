// classifier-lookup: 10k rules over 20 distinct masks; packet rate through mem ports
// when every packet misses the microflow cache (200k distinct 5-tuples, each injected
// once) and when every packet hits it (16 frames repeated), against a table of one
// priority=0,actions=drop.
import type { Bridge } from '../src/bridge.js';
import { unpackMatch } from '../src/ofproto/flow-table.js';
import { attachedMode, INJECT_CHUNK, injectTimed, memBridge, newSwitch } from './mem-bridges.js';
import { median, type Scenario } from './scenario.js';
import type { Topology } from './topology.js';
import { type ClassifierRule, classifierFlowText, classifierRules, frameViews, MAC_A, MAC_B, SLOT, writeTcpFrame } from './workload.js';
import { prngU32 } from '../test/lab/prng.js';

const CLASSIFIER_RULES = 10_000;
const CLASSIFIER_MASKS = 20;
const MISS_FRAMES = 200_000;
const HIT_DISTINCT = 16;

/** `n` distinct TCP 5-tuples, each matching some rule (picked at random). */
function classifierFrames(rules: readonly ClassifierRule[], n: number): Buffer[] {
  const next = prngU32(0xf7a3e5);
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
    const full = await memBridge(sFull!, topo.lab.name('ocl'), data.text);
    const masks = new Set(full.flows.list().map((e) => unpackMatch(e.match).mask.toString('hex')));
    if (full.flows.list().length !== CLASSIFIER_RULES || masks.size !== CLASSIFIER_MASKS) {
      throw new Error(`the table holds ${full.flows.list().length} flows over ${masks.size} masks`);
    }
    const drop = await memBridge(sDrop!, topo.lab.name('ocd'), 'priority=0,actions=drop\n');
    const out = await memBridge(sOut!, topo.lab.name('oco'), 'priority=0,actions=output:2\n');
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
