// set-port PORT key=value…: the port settings that are not the port itself, each
// key owned by one group (VLAN's tag=/trunks=/vlan_mode=, ingress policing). A group checks the values of its keys against the port as the
// config has it and says what the port becomes (nothing applied yet), then applies
// that to the live bridge; the dispatcher (setPort) refuses unknown keys, applies
// group by group, and undoes what it applied if a later group or the DB write fails.
//
// Port names are unique across bridges (as in Open vSwitch), so PORT alone names
// the port. A port in the config that is not attached gets the setting in the
// config only; it applies when the port is attached (restore: portOptions).
import { NodeswitchError } from '../errors.js';
import { OFPP_LOCAL } from '../limits.js';
import { checkPolicing, effectiveBurst } from '../qos/policing.js';
import type { ConfigDoc, DbPort } from './config-db.js';
import type { Args } from './protocol.js';
import { dbPortVlan, mergeVlan, setDbPortVlan } from './port-vlan.js';
import { requireString } from './protocol.js';
import type { BridgeApi, Log } from './switch-api.js';

export interface PortSettingGroup {
  /** The set-port keys it owns, as the CLI spells them. */
  keys: readonly string[];
  /** The port with `values` (its keys only, as given) applied; throws, naming the key, on a bad value. */
  update(port: DbPort, values: Record<string, unknown>): DbPort;
  /** Makes the live bridge's port what `port` says (also the undo, with the old one). */
  apply(bridge: BridgeApi, port: DbPort): Promise<void>;
}

// tag=, trunks=, vlan_mode= (null: back to OVS's default), merged into what the port
// has and checked as a whole (src/vlan.ts).
const vlanGroup: PortSettingGroup = {
  keys: ['tag', 'trunks', 'vlan_mode'],
  update(port, values) {
    const next = { ...port };
    setDbPortVlan(next, mergeVlan(port, values));
    return next;
  },
  async apply(bridge, port) {
    await bridge.setPortVlan(port.name, dbPortVlan(port) ?? {});
  },
};

const policingGroup: PortSettingGroup = {
  keys: ['ingress_policing_rate', 'ingress_policing_burst'],
  update(port, values) {
    const p = checkPolicing({
      // null (KEY= or KEY=[]): back to the default, 0
      rate: 'ingress_policing_rate' in values ? (values.ingress_policing_rate ?? 0) : (port.ingressPolicingRate ?? 0),
      burst: 'ingress_policing_burst' in values ? (values.ingress_policing_burst ?? 0) : (port.ingressPolicingBurst ?? 0),
    });
    const next = { ...port };
    delete next.ingressPolicingRate;
    delete next.ingressPolicingBurst;
    // Kept as OVS keeps its two columns: only what is not the default.
    if (p.rate) next.ingressPolicingRate = p.rate;
    if (p.burst) next.ingressPolicingBurst = p.burst;
    return next;
  },
  async apply(bridge, port) {
    if (!bridge.setIngressPolicing) throw new NodeswitchError('this switch cannot police ingress traffic', 'ingress_policing_rate');
    await bridge.setIngressPolicing(port.name, { rate: port.ingressPolicingRate ?? 0, burst: port.ingressPolicingBurst ?? 0 });
  },
};

/** Every group; a new one is one entry here. */
export const PORT_SETTING_GROUPS: readonly PortSettingGroup[] = [vlanGroup, policingGroup];

const KNOWN_KEYS = PORT_SETTING_GROUPS.flatMap((g) => g.keys);

/** How the daemon adds a port: the settings a group keeps in the DB, as PortOptions (see portOptions). */
export function policingOptions(p: DbPort): { ingressPolicing?: { rate: number; burst: number } } {
  return p.ingressPolicingRate ? { ingressPolicing: { rate: p.ingressPolicingRate, burst: p.ingressPolicingBurst ?? 0 } } : {};
}

/** The datapath's burst for a port in the DB (0 when not policed). */
export function dbPolicingBurst(p: DbPort): number {
  return effectiveBurst({ rate: p.ingressPolicingRate ?? 0, burst: p.ingressPolicingBurst ?? 0 });
}

export interface SetPortContext {
  config(): ConfigDoc;
  /** The live bridge, or undefined when the port is in the config but not attached. */
  attached(bridge: string, port: string): BridgeApi | undefined;
  commit(next: ConfigDoc, undo: () => Promise<void>): Promise<void>;
  log: Log;
}

/** The set-port verb: {port, settings: {key: value}}. */
export async function setPort(args: Args, ctx: SetPortContext): Promise<DbPort> {
  const name = requireString(args, 'port');
  const settings = args.settings;
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings) || !Object.keys(settings).length) {
    throw new NodeswitchError(`set-port needs at least one KEY=VALUE setting (known: ${KNOWN_KEYS.join(', ')})`, 'settings');
  }
  const values = settings as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!KNOWN_KEYS.includes(key)) throw new NodeswitchError(`unknown port setting "${key}" (known: ${KNOWN_KEYS.join(', ')})`, key);
  }
  const next = ctx.config();
  // A bridge's LOCAL port is named like the bridge; its settings live in DbBridge.local
  // (VLAN settings only: it is the host's own port, not a VM's to police).
  const bridge = next.bridges.find((b) => b.ports.some((p) => p.name === name) || (b.local && b.name === name));
  if (!bridge) throw new NodeswitchError(`no bridge has a port named ${name}`, 'port');
  const local = bridge.local && bridge.name === name ? bridge.local : undefined;
  if (local) {
    const other = Object.keys(values).find((k) => !vlanGroup.keys.includes(k));
    if (other !== undefined) throw new NodeswitchError(`${other} cannot be set on the LOCAL port ${name} (only ${vlanGroup.keys.join(', ')})`, other);
  }
  const at = bridge.ports.findIndex((p) => p.name === name);
  const old: DbPort = local ? { name, type: 'tap', ofport: OFPP_LOCAL, ...local } : bridge.ports[at]!;
  // Every value checked before anything is applied.
  const steps: { group: PortSettingGroup; port: DbPort }[] = [];
  let port = old;
  for (const group of PORT_SETTING_GROUPS) {
    const mine = Object.fromEntries(Object.entries(values).filter(([k]) => group.keys.includes(k)));
    if (!Object.keys(mine).length) continue;
    port = group.update(port, mine);
    steps.push({ group, port });
  }
  const live = ctx.attached(bridge.name, name);
  const applied: PortSettingGroup[] = [];
  const undo = async (): Promise<void> => {
    for (const g of applied.reverse()) await g.apply(live!, old);
  };
  if (live) {
    try {
      for (const s of steps) {
        await s.group.apply(live, s.port);
        applied.push(s.group);
      }
    } catch (err) {
      await undo();
      throw err;
    }
  }
  if (local) {
    bridge.local = { ...(local.mac !== undefined && { mac: local.mac }) };
    setDbPortVlan(bridge.local, dbPortVlan(port));
  } else {
    bridge.ports[at] = port;
  }
  await ctx.commit(next, undo);
  ctx.log(`bridge ${bridge.name}: port ${name}: ${Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join(' ')}${live ? '' : ' (saved; the port is not attached)'}`);
  return { ...port };
}
