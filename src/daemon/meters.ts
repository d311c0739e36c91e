// The meter verbs: add-meter, mod-meter, del-meters, dump-meters, meter-stats. A
// bridge's meters are saved beside its flows (DbBridge.meters: one add-meter line
// each, by id) and restored before them, since flows name meters. del-meters deletes
// the flows that use a deleted meter too (OpenFlow), so it saves both; an undo puts
// both back.
import { NodeswitchError } from '../errors.js';
import { formatMeter, printMeter, printMeterStats, type MeterSpec, parseMeter } from '../qos/meter-syntax.js';
import type { ConfigDoc } from './config-db.js';
import { currentSpecs, replaceFlows, savedFlows } from './flows.js';
import { type Args, optionalString, requireString } from './protocol.js';
import type { BridgeApi, Log } from './switch-api.js';

/** The meter lines to save for a bridge. */
export function savedMeters(bridge: BridgeApi): string[] {
  return (bridge.dumpMeters?.() ?? []).map(formatMeter);
}

/** Installs saved meters into a bridge that has none; `index` says which line was refused. */
export async function installSavedMeters(bridge: BridgeApi, lines: string[]): Promise<void> {
  for (const [index, line] of lines.entries()) {
    try {
      await meterApi(bridge).addMeter(line);
    } catch (err) {
      throw Object.assign(new NodeswitchError((err as Error).message, 'meter'), { index });
    }
  }
}

type MeterApi = Required<Pick<BridgeApi, 'addMeter' | 'modMeter' | 'delMeters' | 'dumpMeters' | 'meterStats'>>;

function meterApi(bridge: BridgeApi): MeterApi {
  if (!bridge.addMeter || !bridge.modMeter || !bridge.delMeters || !bridge.dumpMeters || !bridge.meterStats) {
    throw new NodeswitchError('this switch has no meters', 'meter');
  }
  return bridge as MeterApi;
}

export interface MeterVerbContext {
  config(): ConfigDoc;
  bridge(name: string): BridgeApi;
  commit(next: ConfigDoc, undo: () => Promise<void>): Promise<void>;
  log: Log;
}

/** A meter as --json shows it (dump-meters). */
export function meterRow(m: MeterSpec): MeterSpec & { meter: string } {
  return { ...m, meter: formatMeter(m) };
}

export async function meterVerb(verb: 'add-meter' | 'mod-meter' | 'del-meters' | 'dump-meters' | 'meter-stats', args: Args, ctx: MeterVerbContext): Promise<unknown> {
  const name = requireString(args, 'bridge');
  const bridge = ctx.bridge(name);
  const api = meterApi(bridge);
  switch (verb) {
    case 'dump-meters': {
      const meters = api.dumpMeters(optionalString(args, 'meter') ?? '');
      return { text: meters.flatMap(printMeter), meters: meters.map(meterRow) };
    }
    case 'meter-stats': {
      const stats = await api.meterStats(optionalString(args, 'meter') ?? '');
      const rows = stats.map((s) => ({
        meter: s.spec.id,
        flowCount: s.flowCount,
        packetInCount: s.stats.packets,
        byteInCount: s.stats.bytes,
        duration: Math.round(s.durationSec * 1000) / 1000,
        bands: s.stats.bands.map((b) => ({ packetCount: b.packets, byteCount: b.bytes })),
      }));
      return { text: rows.flatMap((r) => printMeterStats({ ...r, id: r.meter })), stats: rows };
    }
    case 'add-meter':
    case 'mod-meter': {
      const text = requireString(args, 'meter');
      const spec = parseMeter(text);
      const before = api.dumpMeters(`meter=${spec.id}`)[0];
      if (verb === 'add-meter') await api.addMeter(spec);
      else await api.modMeter(spec);
      await save(ctx, name, bridge, async () => {
        if (before) await api.modMeter(before);
        else await api.delMeters(`meter=${spec.id}`);
      });
      ctx.log(`bridge ${name}: ${verb === 'add-meter' ? 'added' : 'modified'} ${formatMeter(spec)}`);
      return {};
    }
    case 'del-meters': {
      const selector = optionalString(args, 'meter') ?? '';
      const meters = api.dumpMeters(selector);
      const flows = currentSpecs(bridge);
      const result = await api.delMeters(selector);
      if (result.meters) {
        await save(ctx, name, bridge, async () => {
          for (const m of meters) await api.addMeter(m);
          await replaceFlows(bridge, flows);
        });
        ctx.log(`bridge ${name}: deleted ${result.meters} meter${result.meters === 1 ? '' : 's'} and the ${result.flows} flow${result.flows === 1 ? '' : 's'} using them`);
      }
      return result;
    }
  }
}

async function save(ctx: MeterVerbContext, name: string, bridge: BridgeApi, undo: () => Promise<void>): Promise<void> {
  const next = ctx.config();
  const entry = next.bridges.find((b) => b.name === name)!;
  const meters = savedMeters(bridge);
  if (meters.length) entry.meters = meters;
  else delete entry.meters;
  entry.flows = savedFlows(bridge);
  await ctx.commit(next, undo);
}
