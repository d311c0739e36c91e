// `nodeswitch dump-megaflows BR`: the datapath's megaflow cache, as
// `ovs-appctl dpctl/dump-flows` shows Open vSwitch's — each cached translation's
// match (only the key bits the translation consulted), its counters, when it was
// last used, its datapath actions, and the OpenFlow flows it credits.
import { formatFlow, type Match } from '../ofproto/flow-syntax.js';
import { matchFromKey, megaflowText } from '../ofproto/key-match.js';
import type { BridgeApi } from './switch-api.js';
import { applyOp } from './trace.js';

export interface MegaflowRow {
  match: string;
  packets: number;
  bytes: number;
  /** Seconds since a packet last hit it, millisecond precision. */
  used: number;
  /** Seconds since it was made. */
  age: number;
  /** Datapath actions, as trace prints them; empty: drop. */
  actions: string[];
  /** The OpenFlow flows it credits, in the order the pipeline hit them. */
  flows: string[];
}

export interface DumpMegaflowsResult {
  megaflows: MegaflowRow[];
  /** dpctl/dump-flows-style lines. */
  text: string[];
}

export async function dumpMegaflows(bridge: BridgeApi): Promise<DumpMegaflowsResult> {
  if (!bridge.dumpMegaflows) throw new Error('this switch has no megaflow cache');
  const list = await bridge.dumpMegaflows();
  const rows = list.map((mf): MegaflowRow => {
    const flow: Match = structuredClone(matchFromKey(mf.key, mf.mask).match);
    return {
      match: megaflowText(mf.key, mf.mask),
      packets: mf.packets,
      bytes: mf.bytes,
      used: Math.round(mf.idleMs) / 1000,
      age: Math.round(mf.ageMs) / 1000,
      actions: mf.ops.map((op) => applyOp(op, flow)),
      flows: mf.flows.map((f) => formatFlow(f.spec)),
    };
  });
  rows.sort((a, b) => b.packets - a.packets || a.match.localeCompare(b.match));
  const text = rows.map(
    (r) => `${r.match || '(any)'}, packets:${r.packets}, bytes:${r.bytes}, used:${r.used.toFixed(3)}s, actions:${r.actions.length ? r.actions.join(',') : 'drop'}`,
  );
  return { megaflows: rows, text };
}
