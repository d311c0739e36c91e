// The shaping verbs (set-qos, clear-qos, dump-queues) → the bridge's shaper and the
// config DB: applied to the switch first, then saved; undone when the save fails,
// as every change verb is (controller.ts). A port is named alone, as ovs-vsctl's
// set port does: port names are unique across bridges.
import { NodeswitchError } from '../errors.js';
import { checkQos, formatQos, type QosSpec, type QueueStats } from '../qos/qos.js';
import type { ConfigDoc } from './config-db.js';
import { type Args, type DumpPortRow, requireString } from './protocol.js';
import type { BridgeApi, Log } from './switch-api.js';

export interface QosVerbContext {
  config(): ConfigDoc;
  commit(next: ConfigDoc, undo: () => Promise<void>): Promise<void>;
  /** The running bridge of a bridge in the config. */
  bridge(name: string): BridgeApi;
  log: Log;
}

/** What set-qos and clear-qos answer. */
export interface QosResult {
  bridge: string;
  port: string;
  qos: QosSpec | null;
}

function shaping(bridge: BridgeApi): Required<Pick<BridgeApi, 'setQos' | 'queueStats'>> {
  if (!bridge.setQos || !bridge.queueStats) throw new NodeswitchError('this switch does not shape traffic', 'port');
  return { setQos: bridge.setQos.bind(bridge), queueStats: bridge.queueStats.bind(bridge) };
}

/** set-qos {port, qos} and clear-qos {port} (qos null). */
export async function setQosVerb(ctx: QosVerbContext, args: Args, clear: boolean): Promise<QosResult> {
  const port = requireString(args, 'port');
  const doc = ctx.config();
  const owner = doc.bridges.find((b) => b.ports.some((p) => p.name === port));
  if (!owner) throw new NodeswitchError(`no bridge has a port named ${port}`, 'port');
  const qos = clear ? null : checkQos(args.qos);
  const bridge = ctx.bridge(owner.name);
  const { setQos } = shaping(bridge);
  const entry = owner.ports.find((p) => p.name === port)!;
  const old = entry.qos ?? null;
  await setQos(port, qos);
  if (qos) entry.qos = qos;
  else delete entry.qos;
  await ctx.commit(doc, () => setQos(port, old));
  ctx.log(`bridge ${owner.name}: port ${port}: ${qos ? `qos ${formatQos(qos)}` : 'qos cleared'}`);
  return { bridge: owner.name, port, qos };
}

/** dump-queues {bridge}: every shaped port's queues and counters. */
export async function dumpQueuesVerb(ctx: QosVerbContext, bridgeName: string): Promise<QueueStats[]> {
  return shaping(ctx.bridge(bridgeName)).queueStats();
}

/** At start: a saved port's shaping again. A failure is logged; the DB keeps the setting. */
export async function restoreQos(bridge: BridgeApi, port: string, qos: QosSpec, log: Log): Promise<void> {
  try {
    await shaping(bridge).setQos(port, qos);
    log(`bridge ${bridge.name}: port ${port}: qos ${formatQos(qos)}`);
  } catch (err) {
    log(`warning: bridge ${bridge.name}: port ${port}: qos kept in the config but not applied: ${(err as Error).message}`);
  }
}

/** dump-ports rows with each shaped port's queues beside its counters. */
export async function withQueues(rows: DumpPortRow[], bridge: BridgeApi): Promise<DumpPortRow[]> {
  const queues = bridge.queueStats ? await bridge.queueStats() : [];
  return rows.map((r) => {
    const mine = queues
      .filter((q) => q.ofport === r.ofport)
      .map(({ queue, txPackets, txBytes, txDropped, backlogPackets }) => ({ queue, txPackets, txBytes, txDropped, backlogPackets }));
    return mine.length ? { ...r, queues: mine } : r;
  });
}
