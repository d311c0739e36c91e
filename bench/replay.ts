// The offline replay scenarios: pcap traces run through the whole datapath by
// replay() (src/pcap/replay.ts: pcap ports, the datapath thread reads every input to
// its end, nothing written — no --out), Mpps as replay() reports it: records read
// over the datapath thread's own wall time of the replay (opening and validating the
// files is not in it).
//
//   replay-cache-hit   2 MACs, 4 TCP flows each way: port 1 replays 1000 records
//                      a → b, port 2 1000 records b → a, each 500 times (--repeat),
//                      1M records in all; the default table (NORMAL, MAC learning):
//                      after the first burst every packet is a microflow-cache hit.
//   replay-many-flows  the same NORMAL bridge, 500k records each way, every record a
//                      5-tuple of its own: 1M distinct flows, every packet a cache miss
//                      (the cache holds 8192) and a classifier lookup.
//   replay-classifier  10k rules over 20 masks from a flows file (nw_dst/len, or
//                      nw_src/len + tp_dst; priority by prefix length; output:2), port 1
//                      replays 1M records, each a distinct 5-tuple inside one rule, every
//                      address its own (the worst case for megaflows: nothing repeats).
//   replay-classifier-l3  10k rules over 20 masks that wildcard L4 (nw_dst/len or
//                      nw_src/len alone), port 1 replays 1M records, each a distinct
//                      5-tuple (the ports vary) between 1000 address pairs inside the
//                      rules: what megaflows are for.
//
// Beside the read + drop reference, replay-many-flows and replay-classifier-l3 also
// replay, interleaved, a trace of one microflow through NORMAL (1M records):
// "replay / one microflow" is what a distinct 5-tuple costs against a cache hit.
//
// Reference, in the same row (bare forwarding does not exist for pcap ports): the
// same files, ports and repeat through a bridge whose whole table is
// `priority=0,actions=drop` — read and copy out of the file, parse, one lookup (a
// cache hit for replay-cache-hit; a miss on a one-rule table for the others), no
// output — replays interleaved with the subject's, in the nodeswitch round. The
// ratio is the pipeline's rate against merely reading the same file through the
// datapath. Linux bridge and OVS have no offline replay: no figures.
//
// The traces are made once, deterministically, by the tests' pcap writer
// (test/lab/pcap-files.ts) into a temp dir, and removed when the process exits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplayOptions, ReplaySummary } from '../src/pcap/replay.js';
import { median, type Scenario } from './scenario.js';
import { attachedMode } from './topology.js';
import { classifierFlowText, classifierRules, frameViews, MAC_A, MAC_B, SLOT, writeTcpFrame } from './workload.js';
import { pcapFile } from '../test/lab/pcap-files.js';
import { prngU32 } from '../test/lab/prng.js';

const HIT_RECORDS = 1000; // per direction, in the file
const HIT_REPEAT = 500;
const HIT_FLOWS = 4;
const MANY_RECORDS = 500_000; // per direction
const CLASSIFIER_RULES = 10_000;
const CLASSIFIER_MASKS = 20;
const CLASSIFIER_RECORDS = 1_000_000;
const L3_PAIRS = 1000;
const ONE_FLOW_RECORDS = 1_000_000;

type Frame = [dst: Buffer, src: Buffer, sip: number, dip: number, sport: number, dport: number];

/** Writes `n` frames made by `frame(i)` to a pcap file, 1 µs apart. */
function writeTrace(path: string, n: number, frame: (i: number) => Frame): void {
  const buf = Buffer.alloc(n * SLOT);
  for (let i = 0; i < n; i++) writeTcpFrame(buf, i * SLOT, ...frame(i));
  const records = frameViews(buf, n).map((data, i) => ({ data, tsNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n }));
  writeFileSync(path, pcapFile(records, { snaplen: 0x40000 }));
}




interface Traces {
  dir: string;
  hit: { inputs: ReplayOptions['inputs']; repeat: number; expected: number };
  many: { inputs: ReplayOptions['inputs']; repeat: number; expected: number };
  classifier: { inputs: ReplayOptions['inputs']; repeat: number; expected: number; flowsFile: string };
  l3: { inputs: ReplayOptions['inputs']; repeat: number; expected: number; flowsFile: string };
  one: { inputs: ReplayOptions['inputs']; repeat: number; expected: number };
  dropFlows: string;
}

let traces: Traces | undefined;

async function makeTraces(log: (line: string) => void): Promise<Traces> {
  if (traces) return traces;
  const dir = mkdtempSync(join(tmpdir(), 'nodeswitch-bench-replay-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const t0 = performance.now();
  const f = (name: string): string => join(dir, name);

  // a = 10.0.0.1, b = 10.0.0.2; HIT_FLOWS source ports.
  writeTrace(f('hit-1.pcap'), HIT_RECORDS, (i) => [MAC_B, MAC_A, 0x0a000001, 0x0a000002, 10_000 + (i % HIT_FLOWS), 80]);
  writeTrace(f('hit-2.pcap'), HIT_RECORDS, (i) => [MAC_A, MAC_B, 0x0a000002, 0x0a000001, 80, 10_000 + (i % HIT_FLOWS)]);
  // Every record its own 5-tuple: the addresses carry i.
  writeTrace(f('many-1.pcap'), MANY_RECORDS, (i) => [MAC_B, MAC_A, 0x0a000000 | i, 0x0b000000 | i, 1024 + (i % 60_000), 80]);
  writeTrace(f('many-2.pcap'), MANY_RECORDS, (i) => [MAC_A, MAC_B, 0x0c000000 | i, 0x0d000000 | i, 80, 1024 + (i % 60_000)]);

  const rules = classifierRules(0x5eed1, CLASSIFIER_RULES, CLASSIFIER_MASKS);
  writeFileSync(f('classifier.flows'), classifierFlowText(rules));
  const next = prngU32(0xf10e5);
  writeTrace(f('classifier-1.pcap'), CLASSIFIER_RECORDS, (i) => {
    const r = rules[i % rules.length]!;
    const host = r.len === 32 ? 0 : next() & (0xffffffff >>> r.len);
    const within = (r.addr | host) >>> 0;
    const other = ((172 << 24) | i) >>> 0; // i < 2^24: the other address alone makes it distinct
    return r.kind === 'src'
      ? [MAC_B, MAC_A, within, other, 1024 + (i % 60_000), r.port]
      : [MAC_B, MAC_A, other, within, 1024 + (i % 60_000), 1 + (next() % 1024)];
  });
  // Rules that wildcard L4; traffic between a thousand address pairs inside them,
  // every record its own source port / destination port pair.
  const l3Rules = classifierRules(0x5eed2, CLASSIFIER_RULES, CLASSIFIER_MASKS, { l4: false });
  writeFileSync(f('classifier-l3.flows'), classifierFlowText(l3Rules));
  const pick = prngU32(0xf10e6);
  const pairs = Array.from({ length: L3_PAIRS }, () => {
    const r = l3Rules[pick() % l3Rules.length]!;
    const host = r.len === 32 ? 0 : pick() & (0xffffffff >>> r.len);
    const within = (r.addr | host) >>> 0;
    const other = ((172 << 24) | (pick() & 0xffffff)) >>> 0;
    return r.kind === 'src' ? [within, other] : [other, within];
  });
  writeTrace(f('classifier-l3-1.pcap'), CLASSIFIER_RECORDS, (i) => {
    const [sip, dip] = pairs[i % L3_PAIRS]!;
    const ports = Math.floor(i / L3_PAIRS); // < 1000: with the pair, every record distinct
    return [MAC_B, MAC_A, sip!, dip!, 1024 + (ports % 1000), 2000 + (i % 7)];
  });
  writeTrace(f('one-1.pcap'), ONE_FLOW_RECORDS, () => [MAC_B, MAC_A, 0x0a000001, 0x0a000002, 10_000, 80]);
  writeTrace(f('one-2.pcap'), 1, () => [MAC_A, MAC_B, 0x0a000002, 0x0a000001, 80, 10_000]);
  writeFileSync(f('drop.flows'), 'priority=0,actions=drop\n');
  log(`traces written to ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  return (traces = {
    dir,
    hit: { inputs: [{ port: 1, file: f('hit-1.pcap') }, { port: 2, file: f('hit-2.pcap') }], repeat: HIT_REPEAT, expected: 2 * HIT_RECORDS * HIT_REPEAT },
    many: { inputs: [{ port: 1, file: f('many-1.pcap') }, { port: 2, file: f('many-2.pcap') }], repeat: 1, expected: 2 * MANY_RECORDS },
    classifier: { inputs: [{ port: 1, file: f('classifier-1.pcap') }], repeat: 1, expected: CLASSIFIER_RECORDS, flowsFile: f('classifier.flows') },
    l3: { inputs: [{ port: 1, file: f('classifier-l3-1.pcap') }], repeat: 1, expected: CLASSIFIER_RECORDS, flowsFile: f('classifier-l3.flows') },
    // The reverse direction's one record teaches NORMAL where a is: the million go unicast.
    one: { inputs: [{ port: 2, file: f('one-2.pcap') }, { port: 1, file: f('one-1.pcap') }], repeat: 1, expected: ONE_FLOW_RECORDS + 1 },
    dropFlows: f('drop.flows'),
  });
}

type Which = 'hit' | 'many' | 'classifier' | 'l3' | 'one';

/** Replays counted per figure (after one warm-up of each kind), subject and reference interleaved. */
const PASSES = 3;

async function once(which: Which, reference: boolean, log: (line: string) => void): Promise<number> {
  const t = await makeTraces(log);
  const spec = t[which];
  const flowsFile = reference ? t.dropFlows : which === 'classifier' || which === 'l3' ? t[which].flowsFile : undefined;
  const { replay } = await import('../src/pcap/replay.js');
  const s: ReplaySummary = await replay({ inputs: spec.inputs, ports: [1, 2], repeat: spec.repeat, ...(flowsFile ? { flowsFile } : {}) });
  if (s.packetsRead !== spec.expected) throw new Error(`replay read ${s.packetsRead} records, not ${spec.expected}`);
  const out = s.ports.reduce((n, p) => n + p.txPackets + p.txDropped, 0);
  if (!reference) {
    if (s.drops.tableMiss > 0) throw new Error(`${s.drops.tableMiss} table misses: the traffic should hit the rules`);
    // Everything goes out of the other port (the very first burst floods, which with two ports is the same).
    if (out !== spec.expected) throw new Error(`${out} of ${spec.expected} packets went to an output port`);
  } else if (out !== 0) {
    throw new Error(`the drop-only reference sent ${out} packets to a port`);
  }
  if (process.env.BENCH_VERBOSE) log(`${which}${reference ? ' (reference)' : ''}: ${JSON.stringify(s.caches)}`);
  return s.mpps;
}

async function measure(which: Which, log: (line: string) => void): Promise<Record<string, number>> {
  const subject: number[] = [];
  const reference: number[] = [];
  const oneFlow: number[] = [];
  const againstOne = which === 'many' || which === 'l3';
  for (let i = 0; i <= PASSES; i++) {
    const a = await once(which, false, log);
    const b = await once(which, true, log);
    const c = againstOne ? await once('one', false, log) : 0;
    if (i === 0) continue; // warm-up
    subject.push(a);
    reference.push(b);
    oneFlow.push(c);
  }
  log(`Mpps: replay ${subject.map((x) => x.toFixed(2)).join('/')}, read + drop ${reference.map((x) => x.toFixed(2)).join('/')}`);
  const m = median(subject);
  const r = median(reference);
  const row: Record<string, number> = { replay: m, 'per packet': 1e3 / m, 'reference: read + drop': r, 'replay / reference': m / r };
  if (againstOne) {
    const o = median(oneFlow);
    row['one microflow'] = o;
    row['replay / one microflow'] = m / o;
  }
  return row;
}

const METRICS = [
  { name: 'replay', unit: 'Mpps', digits: 2 },
  { name: 'per packet', unit: 'ns', digits: 1 },
  { name: 'reference: read + drop', unit: 'Mpps', digits: 2 },
  { name: 'replay / reference', unit: '×', digits: 2 },
  { name: 'one microflow', unit: 'Mpps', digits: 2 },
  { name: 'replay / one microflow', unit: '×', digits: 2 },
] as const;

function replayScenario(name: string, which: Which, note: string): Scenario {
  return {
    name,
    metrics: METRICS,
    tools: [],
    note,
    async run(topo, log) {
      return attachedMode(topo) === 'nodeswitch' ? measure(which, log) : {};
    },
  };
}

const REFERENCE =
  "'reference: read + drop': the same files, ports and repeat through a bridge whose whole table is 'priority=0,actions=drop' " +
  '(read + copy out of the mmap, parse, one lookup, no output) — the time to merely read the file through the datapath; ' +
  `each figure the median of ${PASSES} replays per run, subject and reference interleaved after one warm-up of each, ` +
  'measured in the nodeswitch round only (bare forwarding does not apply to pcap ports; Linux bridge and OVS have no ' +
  'offline replay: the other columns stay empty)';

export const replayCacheHit = replayScenario(
  'replay-cache-hit',
  'hit',
  `replay() of ${HIT_RECORDS} records each way between 2 MACs (${HIT_FLOWS} TCP flows), --repeat ${HIT_REPEAT}: ` +
    `${(2 * HIT_RECORDS * HIT_REPEAT) / 1e6}M records, default table (NORMAL), cache hits after the first burst, no --out ` +
    `(what the ports are sent is counted and dropped); Mpps = records / the datapath's replay wall time. ${REFERENCE}.`,
);

export const replayManyFlows = replayScenario(
  'replay-many-flows',
  'many',
  `replay() of ${MANY_RECORDS / 1000}k records each way, every record a distinct 5-tuple (${(2 * MANY_RECORDS) / 1e6}M ` +
    `flows: exact-match misses, megaflow hits), default table (NORMAL), no --out; 'one microflow': ${ONE_FLOW_RECORDS / 1e6}M ` +
    `records of one 5-tuple through NORMAL, interleaved. ${REFERENCE} (each record a miss too, on a one-rule table).`,
);

export const replayClassifier = replayScenario(
  'replay-classifier',
  'classifier',
  `replay() of ${CLASSIFIER_RECORDS / 1e6}M records on port 1, each a distinct 5-tuple inside one of ${CLASSIFIER_RULES / 1000}k ` +
    `rules over ${CLASSIFIER_MASKS} masks (flows file; all output:2), no --out. ${REFERENCE} (each record a miss too, on a one-rule table).`,
);

export const replayClassifierL3 = replayScenario(
  'replay-classifier-l3',
  'l3',
  `replay() of ${CLASSIFIER_RECORDS / 1e6}M records on port 1, each a distinct 5-tuple (the L4 ports vary) between ` +
    `${L3_PAIRS} address pairs inside ${CLASSIFIER_RULES / 1000}k rules over ${CLASSIFIER_MASKS} masks that wildcard L4 ` +
    `(nw_dst/len or nw_src/len; flows file; all output:2), no --out; 'one microflow': ${ONE_FLOW_RECORDS / 1e6}M records of ` +
    `one 5-tuple through NORMAL, interleaved. ${REFERENCE}.`,
);
