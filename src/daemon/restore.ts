// Builds the switch from the config DB at daemon start.
//
// Bridges must come back exactly, with their flows (installed before any port is
// attached, so no packet meets a half-restored table; a saved flow the datapath
// refuses makes the DB unusable, named bridges[i].flows[j]) (a bridge setting the datapath refuses makes the DB
// unusable, so the daemon refuses to start and names the field). An afpacket port
// whose netdev does not exist yet (its VM is not started) is attached down, and the
// datapath brings it up when the netdev appears, as after any VM restart. Any other
// port that fails is logged and kept in the config as "missing", so a restart never
// loses configuration. A tap port's device is attached again wherever it is, or made
// again with its MAC (tap-ports.ts).
import type { ConfigDoc } from './config-db.js';
import { DbError, dbOptions } from './config-db.js';
import { NodeswitchError } from '../errors.js';
import { restoreQos } from './qos-verbs.js';
import { SavedFlowError, installSaved, parseSavedFlows, savedFlows } from './flows.js';
import { installSavedMeters, savedMeters } from './meters.js';
import { installSavedGroups, savedGroups } from './groups.js';
import { type Log, type SwitchApi, watchBridge } from './switch-api.js';
import { attachPort } from './bonds.js';
import { netdevMac } from './tap-ports.js';
import { attachLocalPort } from './local-port.js';
import { restoreMirrors } from './mirrors.js';

/** Key of a port in the missing map. */
export function portKey(bridge: string, port: string): string {
  return `${bridge}/${port}`;
}

export interface Restored {
  /** The document with every bridge setting filled in with what the switch runs. */
  doc: ConfigDoc;
  /** Ports in the config that are not attached, with the reason. */
  missing: Map<string, string>;
  /** Something the DB lacked was filled in (a TAP's MAC): it should be written. */
  filled: boolean;
}

// Bridge.configure/resolveBridgeOptions name their arguments like the CLI does.
const FIELD_OF_ARGUMENT: Record<string, string> = { 'mac-aging': 'macAging', 'mac-table-size': 'macTableSize' };

export async function restoreSwitch(sw: SwitchApi, doc: ConfigDoc, dbPath: string, log: Log): Promise<Restored> {
  const out: ConfigDoc = { version: doc.version, bridges: [] };
  const missing = new Map<string, string>();
  let filled = false;
  for (const [i, b] of doc.bridges.entries()) {
    let bridge;
    try {
      // Saved flows are the whole table set: no default flow besides them.
      bridge = sw.addBridge(b.name, {
        macAging: b.macAging,
        macTableSize: b.macTableSize,
        ...(b.datapathPoll && { datapathPoll: b.datapathPoll }),
        defaultFlows: b.flows === undefined,
      });
    } catch (err) {
      if (!(err instanceof NodeswitchError)) throw err;
      const field = FIELD_OF_ARGUMENT[err.argument ?? ''] ?? 'name';
      throw new DbError(dbPath, err.message, `bridges[${i}].${field}`);
    }
    watchBridge(bridge, log);
    // Meters first: flows name them.
    if (b.meters !== undefined) {
      try {
        await installSavedMeters(bridge, b.meters);
      } catch (err) {
        const index = (err as { index?: number }).index ?? 0;
        throw new DbError(dbPath, (err as Error).message, `bridges[${i}].meters[${index}]`);
      }
    }
    // Groups before the flows too: flows name them (group:N).
    if (b.groups !== undefined) {
      try {
        await installSavedGroups(bridge, b.groups);
      } catch (err) {
        const index = (err as { index?: number }).index ?? 0;
        throw new DbError(dbPath, (err as Error).message, `bridges[${i}].groups[${index}]`);
      }
    }
    if (b.flows !== undefined) {
      try {
        await installSaved(bridge, parseSavedFlows(b.flows, b.ports));
      } catch (err) {
        if (err instanceof SavedFlowError) throw new DbError(dbPath, err.reason, `bridges[${i}].flows[${err.index}]`);
        if (err instanceof NodeswitchError) throw new DbError(dbPath, err.message, `bridges[${i}].flows`);
        throw err;
      }
    }
    const { macAging, macTableSize } = bridge.options;
    const flows = savedFlows(bridge);
    const meters = savedMeters(bridge);
    const groups = savedGroups(bridge);
    out.bridges.push({
      name: b.name,
      ...dbOptions(bridge.options),
      ...(b.local && { local: { ...b.local } }),
      ports: b.ports.map((p) => ({ ...p })),
      flows,
      ...(b.mirrors && { mirrors: structuredClone(b.mirrors) }),
      ...(meters.length && { meters }),
      ...(b.openflow && { openflow: structuredClone(b.openflow) }),
      ...(groups.length && { groups }),
    });
    log(`bridge ${b.name}: restored (mac-aging ${macAging}, mac-table-size ${macTableSize}, ${flows.length} flow${flows.length === 1 ? '' : 's'})`);
    if (b.local) {
      try {
        const kept = await attachLocalPort(bridge, b, log);
        if (b.local.mac === undefined && kept.mac !== undefined) {
          out.bridges.at(-1)!.local = kept;
          filled = true;
        }
      } catch (err) {
        const reason = (err as Error).message;
        missing.set(portKey(b.name, b.name), reason);
        log(`warning: bridge ${b.name}: its LOCAL port ${b.name} kept in the config but not attached: ${reason}`);
      }
    }
    for (const p of b.ports) {
      try {
        const added = await attachPort(bridge, p, { allowMissing: true });
        const [stats] = await bridge.portStats(p.name);
        const state = stats?.up ? '' : stats?.ifindex ? ', link down' : ', down until its netdev appears';
        const tap = added.tapOrigin === undefined ? '' : `: its TAP device ${added.tapOrigin === 'created' ? 'made again' : added.tapOrigin}`;
        log(`bridge ${b.name}: port ${p.name} (${p.type}, ofport ${p.ofport}) attached${state}${tap}`);
        if (p.qos) await restoreQos(bridge, p.name, p.qos, log);
        if (p.type === 'tap' && p.mac === undefined && added.tapOrigin !== 'attached in another network namespace') {
          // A DB from before MACs were kept: keep this one from now on.
          const mac = netdevMac(p.name);
          const saved = out.bridges.at(-1)!.ports.find((x) => x.name === p.name)!;
          if (mac !== undefined) {
            saved.mac = mac;
            filled = true;
          }
        }
      } catch (err) {
        const reason = (err as Error).message;
        missing.set(portKey(b.name, p.name), reason);
        log(`warning: bridge ${b.name}: port ${p.name} (${p.type}, ofport ${p.ofport}) kept in the config but not attached: ${reason}`);
      }
    }
    await restoreMirrors(bridge, b, missing, log);
  }
  return { doc: out, missing, filled };
}
