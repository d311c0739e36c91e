// openflow-codec: the OpenFlow 1.3 codec alone on the flow-mod-rate rules (100k
// distinct 5-field TCP rules) as FLOW_MODs: encode, decode, and decode + print each as
// a flow line. Reference (ovs column): `ovs-ofctl ofp-parse` of the same bytes from a
// file — Open vSwitch's decoder and printer of those messages, so 'decode+print' is
// the figure to compare (OVS has no command that decodes without printing).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFlow } from '../src/ofproto/flow.js';
import { parseFlowsFile } from '../src/ofproto/flow-syntax.js';
import { decodeMessage, encodeMessage, type FlowModMsg, OFP_NO_BUFFER, OFPG_ANY, OFPP } from '../src/openflow/wire/index.js';
import { FLOW_MOD_RULES, flowModFile } from './flow-mod-rate.js';
import { attachedMode } from './mem-bridges.js';
import { maybeOvs } from './ovs-reference.js';
import type { Scenario } from './scenario.js';

const NO_FLAGS = { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false };

let bytesCache: Buffer[] | undefined;
/** The rules as encoded FLOW_MODs (made once). */
function flowModBytes(): Buffer[] {
  return (bytesCache ??= parseFlowsFile(flowModFile()).map((spec, i) =>
    encodeMessage({ type: 'flow_mod', xid: i, command: 'add', spec, bufferId: OFP_NO_BUFFER, outPort: OFPP.ANY, outGroup: OFPG_ANY, flags: NO_FLAGS }),
  ));
}

function rate(ms: number): number {
  return (FLOW_MOD_RULES / ms) * 1000;
}

function nodeswitchCodec(log: (l: string) => void): Record<string, number> {
  const bytes = flowModBytes();
  const msgs = bytes.map((b) => decodeMessage(b) as FlowModMsg); // warm-up, and the encoder's input
  let t0 = performance.now();
  let total = 0;
  for (const m of msgs) total += encodeMessage(m).length;
  const encodeMs = performance.now() - t0;
  t0 = performance.now();
  for (const b of bytes) decodeMessage(b);
  const decodeMs = performance.now() - t0;
  t0 = performance.now();
  let chars = 0;
  for (const b of bytes) chars += formatFlow((decodeMessage(b) as FlowModMsg).spec).length;
  const printMs = performance.now() - t0;
  log(`codec: ${total} bytes encoded in ${encodeMs.toFixed(0)} ms, decoded in ${decodeMs.toFixed(0)} ms, decoded+printed (${chars} chars) in ${printMs.toFixed(0)} ms`);
  return { encode: rate(encodeMs), decode: rate(decodeMs), 'decode+print': rate(printMs) };
}

function ovsCodec(log: (l: string) => void): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'ns-ofcodec-'));
  try {
    const file = join(dir, 'flow-mods.bin');
    writeFileSync(file, Buffer.concat(flowModBytes()));
    const t0 = performance.now();
    const out = execFileSync('ovs-ofctl', ['ofp-parse', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
    const ms = performance.now() - t0;
    const printed = out.split('OFPT_FLOW_MOD').length - 1;
    if (printed !== FLOW_MOD_RULES) throw new Error(`ovs-ofctl ofp-parse printed ${printed} FLOW_MODs, not ${FLOW_MOD_RULES}`);
    log(`ovs-ofctl ofp-parse: ${FLOW_MOD_RULES} FLOW_MODs in ${ms.toFixed(0)} ms`);
    return { 'decode+print': rate(ms) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const openflowCodec: Scenario = {
  name: 'openflow-codec',
  metrics: [
    { name: 'encode', unit: 'msgs/s', digits: 0 },
    { name: 'decode', unit: 'msgs/s', digits: 0 },
    { name: 'decode+print', unit: 'msgs/s', digits: 0 },
  ],
  tools: [],
  note:
    `${FLOW_MOD_RULES / 1000}k FLOW_MODs (the flow-mod-rate rules). nodeswitch: src/openflow/wire encodeMessage / decodeMessage ` +
    "in one thread, and decode + formatFlow of each (a dump-flows line). ovs: 'ovs-ofctl ofp-parse' of the same bytes " +
    '(its decoder and printer: compare decode+print). No Linux-bridge figures.',
  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'nodeswitch') return nodeswitchCodec(log);
    if (mode === 'ovs') return maybeOvs(async () => ovsCodec(log), log);
    return {};
  },
};
