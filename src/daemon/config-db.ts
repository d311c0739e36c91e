// The daemon's configuration: one JSON document, the source of truth for what the
// switch should look like (bridges, their settings, their ports), restored at start.
//
// Durability: a change is written to a temp file in the same directory, fsynced,
// renamed over the old file, and the directory is fsynced — so a crash at any moment
// leaves either the old or the new document on disk, never a torn one.
//
// Flow changes go to a journal beside the file (flow-journal.ts) rather than
// rewriting it whole: loading replays the journal, and every full write deletes it
// once the new document is in place.
//
// Loading never repairs: a document that is not valid JSON or does not match the
// schema is refused, with the path, the position or field, and the reason, and the
// file is left exactly as it was for a human to look at.
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileProblem, NodeswitchError } from '../errors.js';
import { type FlowSpec, FlowSyntaxError, formatMatch } from '../ofproto/flow-syntax.js';
import { BOND_MODES, type BondSettings, LACP_MODES, LACP_TIMES, resolveBond } from '../bond.js';
import { DATAPATH_POLL_MODES, MAC_AGING, MAC_TABLE_SIZE, OFPORT, type Range, VLAN_ID, VLAN_TAG } from '../limits.js';
import type { BridgeOptions, DatapathPollMode } from '../types.js';
import { checkNetdevName, rangeText } from '../validate.js';
import { checkTrunks, checkVlanMode, resolvePortVlan, type VlanMode } from '../vlan.js';
import { journalPathOf, readJournal, replayJournal } from './flow-journal.js';
import { parseSavedFlows, rememberParsed } from './flows.js';
import { parseMeter } from '../qos/meter-syntax.js';
import { parseGroup } from '../ofproto/group.js';
import { POLICING_BURST, POLICING_RATE } from '../qos/policing.js';
import { checkQos, type QosSpec } from '../qos/qos.js';
import { jsonErrorOffset } from './json-position.js';
import { type DbMirror, validateMirrors } from './mirrors.js';
import { type DbOpenFlow, validateOpenFlow } from './openflow-db.js';

export const DB_VERSION = 1;

export type DbPortType = 'afpacket' | 'tap' | 'bond';

/** A bond port's members (afpacket netdevs) and settings (src/bond.ts). */
export interface DbBond extends BondSettings {
  members: string[];
}

export interface DbPort {
  name: string;
  type: DbPortType;
  ofport: number;
  /** VLAN (src/vlan.ts, Open vSwitch's Port columns): access or native VLAN, 1–4094. */
  tag?: number;
  /** VLAN: the VLANs a trunk carries; absent: all. */
  trunks?: number[];
  /** VLAN: absent means OVS's default (access with a tag, else trunk). */
  vlanMode?: VlanMode;
  /** tap: the device's MAC, kept so that a TAP made again gets the same one (tap-ports.ts). */
  mac?: string;
  /** type bond: its members and settings. */
  bond?: DbBond;
  /** set-port ingress_policing_rate (kbit/s) and _burst (kbit); absent: 0 (port-settings.ts). */
  ingressPolicingRate?: number;
  ingressPolicingBurst?: number;
  /** Egress shaping (set-qos; src/qos/qos.ts), as set. */
  qos?: QosSpec;
}

export interface DbBridge {
  name: string;
  /** Absent only in a hand-written file: the bridge's default then applies. */
  macAging?: number;
  macTableSize?: number;
  datapathPoll?: DatapathPollMode;
  ports: DbPort[];
  /**
   * The bridge's LOCAL port (a TAP named like the bridge, src/daemon/local-port.ts);
   * absent: none (a bridge made with --no-local, or a DB from before LOCAL ports).
   * mac: the TAP's, kept so that a TAP made again gets the same one; tag, trunks,
   * vlanMode: its VLAN settings (set-port BR …), as a port's.
   */
  local?: { mac?: string } & Pick<DbPort, 'tag' | 'trunks' | 'vlanMode'>;
  /**
   * The bridge's whole table set, one flow per line in ovs-ofctl add-flow syntax
   * (see flows.ts). Absent (a DB from before flows were saved): the default
   * `priority=0 actions=NORMAL` flow.
   */
  flows?: string[];
  /** Port mirrors, in the order added (mirrors.ts); absent: none. */
  mirrors?: DbMirror[];
  /** OpenFlow meters, one add-meter line each (meters.ts); restored before the flows that name them. */
  meters?: string[];
  /** OpenFlow on the wire: controllers, listeners, fail mode, datapath id (openflow-db.ts); absent: none, defaults. */
  openflow?: DbOpenFlow;
  /** OpenFlow groups, one add-group line each (groups.ts); restored before the flows that name them. */
  groups?: string[];
}

export interface ConfigDoc {
  version: number;
  bridges: DbBridge[];
}

/** A DB that cannot be used: says which file, where in it, and why. */
export class DbError extends NodeswitchError {
  constructor(
    readonly path: string,
    readonly reason: string,
    /** The schema field, e.g. "bridges[0].ports[1].ofport". */
    readonly field?: string,
  ) {
    super(`config DB ${path}: ${field ? `${field}: ` : ''}${reason}`, 'db');
    this.name = 'DbError';
  }
}

/** What the daemon runs when there is no DB yet: one bridge, br0, no ports. */
export function defaultDoc(): ConfigDoc {
  return { version: DB_VERSION, bridges: [{ name: 'br0', ports: [] }] };
}

/** Reads and validates the DB; null when the file does not exist. */
export function loadDb(path: string): ConfigDoc | null {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return null;
    throw new DbError(path, `cannot read it: ${fileProblem(e)}`);
  }
  const raw = parseJson(path, text);
  replayJournal(raw, readJournal(journalPathOf(path)));
  return validateDoc(raw, path);
}

function parseJson(path: string, text: string): unknown {
  if (text.trim() === '') throw new DbError(path, 'the file is empty (not a JSON document)');
  try {
    return JSON.parse(text);
  } catch (err) {
    const pos = jsonErrorOffset(text);
    const before = text.slice(0, pos).split('\n');
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    const what = pos >= text.length ? 'the document ends too early' : `unexpected ${JSON.stringify(text[pos])}`;
    throw new DbError(path, `not valid JSON at line ${line}, column ${column} (offset ${pos}): ${what} (${(err as Error).message})`);
  }
}

/** Checks the whole document; the first problem found is thrown, naming its field. */
export function validateDoc(value: unknown, path: string): ConfigDoc {
  const fail = (field: string, reason: string): never => {
    throw new DbError(path, reason, field);
  };
  const obj = (v: unknown, field: string, keys: string[]): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(field || '(top level)', 'must be a JSON object');
    for (const k of Object.keys(v)) if (!keys.includes(k)) fail(join2(field, k), `unknown field (expected one of ${keys.join(', ')})`);
    return v as Record<string, unknown>;
  };
  const int = (v: unknown, field: string, range: Range): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max) {
      fail(field, `must be ${rangeText(range)}, got ${JSON.stringify(v)}`);
    }
    return v as number;
  };
  const name = (v: unknown, field: string, what: string): string => {
    try {
      return checkNetdevName(v, what);
    } catch (err) {
      return fail(field, (err as Error).message);
    }
  };

  const top = obj(value, '', ['version', 'bridges']);
  if (top.version !== DB_VERSION) fail('version', `must be ${DB_VERSION}, got ${JSON.stringify(top.version)}`);
  if (!Array.isArray(top.bridges)) fail('bridges', 'must be an array');
  const bridgeNames = new Set<string>();
  const portOwners = new Map<string, string>();
  const bridges: DbBridge[] = (top.bridges as unknown[]).map((b, i) => {
    const at = `bridges[${i}]`;
    const raw = obj(b, at, ['name', 'macAging', 'macTableSize', 'datapathPoll', 'local', 'ports', 'flows', 'mirrors', 'meters', 'groups', 'openflow']);
    const brName = name(raw.name, `${at}.name`, 'bridge');
    if (bridgeNames.has(brName)) fail(`${at}.name`, `bridge ${brName} appears twice`);
    bridgeNames.add(brName);
    const bridge: DbBridge = { name: brName, ports: [] };
    if (raw.macAging !== undefined) bridge.macAging = int(raw.macAging, `${at}.macAging`, MAC_AGING);
    if (raw.macTableSize !== undefined) bridge.macTableSize = int(raw.macTableSize, `${at}.macTableSize`, MAC_TABLE_SIZE);
    if (raw.datapathPoll !== undefined) {
      if (!DATAPATH_POLL_MODES.some((m) => m === raw.datapathPoll)) {
        fail(`${at}.datapathPoll`, `must be one of ${DATAPATH_POLL_MODES.join(', ')}, got ${JSON.stringify(raw.datapathPoll)}`);
      }
      bridge.datapathPoll = raw.datapathPoll as DatapathPollMode;
    }
    if (raw.local !== undefined) {
      const local = obj(raw.local, `${at}.local`, ['mac', 'tag', 'trunks', 'vlanMode']);
      bridge.local = {};
      if (local.tag !== undefined) bridge.local.tag = int(local.tag, `${at}.local.tag`, VLAN_TAG);
      if (local.trunks !== undefined) bridge.local.trunks = vlanCheck(() => checkTrunks(local.trunks), `${at}.local.trunks`, fail);
      if (local.vlanMode !== undefined) bridge.local.vlanMode = vlanCheck(() => checkVlanMode(local.vlanMode), `${at}.local.vlanMode`, fail);
      const { tag, trunks, vlanMode } = bridge.local;
      if (tag !== undefined || trunks !== undefined || vlanMode !== undefined) vlanCheck(() => resolvePortVlan({ tag, trunks, vlanMode }), `${at}.local`, fail);
      if (local.mac !== undefined) {
        if (typeof local.mac !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(local.mac)) {
          fail(`${at}.local.mac`, `must be a MAC address like "02:00:00:00:00:01" (lower case), got ${JSON.stringify(local.mac)}`);
        }
        bridge.local.mac = local.mac as string;
      }
    }
    if (!Array.isArray(raw.ports)) fail(`${at}.ports`, 'must be an array');
    const ofports = new Map<number, string>();
    bridge.ports = (raw.ports as unknown[]).map((p, j) => {
      const pat = `${at}.ports[${j}]`;
      const rp = obj(p, pat, ['name', 'type', 'ofport', 'tag', 'trunks', 'vlanMode', 'mac', 'bond', 'ingressPolicingRate', 'ingressPolicingBurst', 'qos']);
      const portName = name(rp.name, `${pat}.name`, 'port');
      const owner = portOwners.get(portName);
      if (owner !== undefined) fail(`${pat}.name`, `port ${portName} is already on bridge ${owner}`);
      portOwners.set(portName, brName);
      if (rp.type !== 'afpacket' && rp.type !== 'tap' && rp.type !== 'bond') {
        fail(`${pat}.type`, `must be "afpacket", "tap" or "bond", got ${JSON.stringify(rp.type)}`);
      }
      if ((rp.type === 'bond') !== (rp.bond !== undefined)) fail(`${pat}.bond`, 'a port has bond settings exactly when its type is "bond"');
      let bond: DbBond | undefined;
      if (rp.bond !== undefined) {
        bond = validateBond(rp.bond, portName, `${pat}.bond`, fail);
        for (const [k, m] of bond.members.entries()) {
          const had = portOwners.get(m);
          if (had !== undefined) fail(`${pat}.bond.members[${k}]`, `port ${m} is already on bridge ${had}`);
          portOwners.set(m, brName);
        }
      }
      const ofport = int(rp.ofport, `${pat}.ofport`, OFPORT);
      const holder = ofports.get(ofport);
      if (holder !== undefined) fail(`${pat}.ofport`, `ofport ${ofport} is already taken by port ${holder}`);
      ofports.set(ofport, portName);
      const port: DbPort = { name: portName, type: rp.type as DbPortType, ofport, ...(bond && { bond }) };
      if (rp.tag !== undefined) port.tag = int(rp.tag, `${pat}.tag`, VLAN_TAG);
      if (rp.trunks !== undefined) {
        if (!Array.isArray(rp.trunks)) fail(`${pat}.trunks`, 'must be an array of VLAN ids');
        (rp.trunks as unknown[]).forEach((t, k) => int(t, `${pat}.trunks[${k}]`, VLAN_ID));
        port.trunks = vlanCheck(() => checkTrunks(rp.trunks), `${pat}.trunks`, fail);
      }
      if (rp.vlanMode !== undefined) port.vlanMode = vlanCheck(() => checkVlanMode(rp.vlanMode), `${pat}.vlanMode`, fail);
      if (port.tag !== undefined || port.trunks !== undefined || port.vlanMode !== undefined) {
        const { tag, trunks, vlanMode } = port;
        vlanCheck(() => resolvePortVlan({ tag, trunks, vlanMode }), pat, fail);
      }
      if (rp.mac !== undefined) {
        if (port.type !== 'tap') fail(`${pat}.mac`, 'only a tap port has a MAC in the config (an afpacket netdev keeps its own)');
        if (typeof rp.mac !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(rp.mac)) {
          fail(`${pat}.mac`, `must be a MAC address like "02:00:00:00:00:01" (lower case), got ${JSON.stringify(rp.mac)}`);
        }
        port.mac = rp.mac as string;
      }
      if (rp.ingressPolicingRate !== undefined) port.ingressPolicingRate = int(rp.ingressPolicingRate, `${pat}.ingressPolicingRate`, POLICING_RATE);
      if (rp.ingressPolicingBurst !== undefined) port.ingressPolicingBurst = int(rp.ingressPolicingBurst, `${pat}.ingressPolicingBurst`, POLICING_BURST);
      if (rp.qos !== undefined) {
        try {
          port.qos = checkQos(rp.qos);
        } catch (err) {
          if (err instanceof NodeswitchError) fail(`${pat}.qos`, err.message);
          throw err;
        }
      }
      return port;
    });
    if (raw.meters !== undefined) bridge.meters = validateMeters(raw.meters, `${at}.meters`, fail);
    if (raw.groups !== undefined) bridge.groups = validateGroups(raw.groups, `${at}.groups`, fail);
    if (raw.flows !== undefined) bridge.flows = validateFlows(raw.flows, bridge, `${at}.flows`, fail);
    if (raw.mirrors !== undefined) bridge.mirrors = validateMirrors(raw.mirrors, bridge, `${at}.mirrors`, fail);
    if (raw.openflow !== undefined) bridge.openflow = validateOpenFlow(raw.openflow, `${at}.openflow`, fail);
    return bridge;
  });
  // A LOCAL port is the netdev named like its bridge: no port may take that name.
  for (const [i, b] of bridges.entries()) {
    const owner = b.local ? portOwners.get(b.name) : undefined;
    if (owner !== undefined) fail(`bridges[${i}].local`, `port ${b.name} of bridge ${owner} has the name the LOCAL port of bridge ${b.name} needs`);
  }
  return { version: DB_VERSION, bridges };
}

/** A bond port's settings, checked as add-bond checks them. */
function validateBond(value: unknown, bondName: string, at: string, fail: (field: string, reason: string) => never): DbBond {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(at, 'must be a JSON object');
  const raw = value as Record<string, unknown>;
  for (const k of Object.keys(raw)) {
    if (!['members', 'mode', 'lacp', 'lacpTime'].includes(k)) fail(`${at}.${k}`, 'unknown field (expected one of members, mode, lacp, lacpTime)');
  }
  if (!Array.isArray(raw.members)) return fail(`${at}.members`, 'must be an array of netdev names');
  const lists: Record<string, readonly string[]> = { mode: BOND_MODES, lacp: LACP_MODES, lacpTime: LACP_TIMES };
  for (const [k, list] of Object.entries(lists)) {
    if (!list.includes(raw[k] as string)) fail(`${at}.${k}`, `must be one of ${list.join(', ')}, got ${JSON.stringify(raw[k])}`);
  }
  try {
    const b = resolveBond(bondName, raw.members as unknown[], raw as unknown as BondSettings);
    return { members: b.members, mode: b.mode, lacp: b.lacp, lacpTime: b.lacpTime };
  } catch (err) {
    const field = err instanceof NodeswitchError && err.argument === 'lacp' ? 'lacp' : 'members';
    return fail(`${at}.${field}`, (err as Error).message);
  }
}

/** Every line parses as an add-flow flow, and no two share table, priority and match. */
function validateFlows(value: unknown, bridge: DbBridge, at: string, fail: (field: string, reason: string) => never): string[] {
  if (!Array.isArray(value)) return fail(at, 'must be an array of flows (ovs-ofctl add-flow syntax)');
  const seen = new Map<string, number>();
  const specs: FlowSpec[] = [];
  const groupIds = new Set((bridge.groups ?? []).map((g) => parseGroup(g).groupId));
  const lines = (value as unknown[]).map((line, j) => {
    const field = `${at}[${j}]`;
    if (typeof line !== 'string') return fail(field, `must be a string (a flow in ovs-ofctl add-flow syntax), got ${JSON.stringify(line)}`);
    let spec;
    try {
      [spec] = parseSavedFlows([line], bridge.ports);
    } catch (err) {
      if (err instanceof FlowSyntaxError) return fail(field, `${err.token}: ${err.reason}`);
      if (err instanceof NodeswitchError) return fail(field, err.message);
      throw err;
    }
    const meter = spec!.instructions.meter;
    if (meter !== undefined && !(bridge.meters ?? []).some((m) => parseMeter(m).id === meter)) {
      fail(field, `meter:${meter}: the bridge has no meter ${meter} (${at.replace(/flows$/, 'meters')} lacks it)`);
    }
    for (const act of [...spec!.actions, ...(spec!.instructions.writeActions ?? [])]) {
      if (act.type === 'group' && !groupIds.has(act.groupId)) {
        fail(field, `group:${act.groupId}: the bridge has no group ${act.groupId} (${at.replace(/flows$/, 'groups')} lacks it)`);
      }
    }
    const key = `${spec!.table}/${spec!.priority}/${formatMatch(spec!.match)}`;
    const first = seen.get(key);
    if (first !== undefined) fail(field, `same table, priority and match as ${at}[${first}]: a table holds one such flow`);
    seen.set(key, j);
    specs.push(spec!);
    return line;
  });
  rememberParsed(lines, specs);
  return lines;
}

/** Every line parses as an add-meter meter, and no two have the same id. */
function validateMeters(value: unknown, at: string, fail: (field: string, reason: string) => never): string[] {
  if (!Array.isArray(value)) return fail(at, 'must be an array of meters (ovs-ofctl add-meter syntax)');
  const ids = new Map<number, number>();
  return (value as unknown[]).map((line, j) => {
    const field = `${at}[${j}]`;
    if (typeof line !== 'string') return fail(field, `must be a string (a meter in ovs-ofctl add-meter syntax), got ${JSON.stringify(line)}`);
    let id: number;
    try {
      id = parseMeter(line).id;
    } catch (err) {
      if (err instanceof NodeswitchError) return fail(field, err.message);
      throw err;
    }
    const first = ids.get(id);
    if (first !== undefined) fail(field, `meter ${id} is already ${at}[${first}]`);
    ids.set(id, j);
    return line;
  });
}

/** Every line parses as an add-group group, and no two have the same id. */
function validateGroups(value: unknown, at: string, fail: (field: string, reason: string) => never): string[] {
  if (!Array.isArray(value)) return fail(at, 'must be an array of groups (ovs-ofctl add-group syntax)');
  const ids = new Map<number, number>();
  return (value as unknown[]).map((line, j) => {
    const field = `${at}[${j}]`;
    if (typeof line !== 'string') return fail(field, `must be a string (a group in ovs-ofctl add-group syntax), got ${JSON.stringify(line)}`);
    let id: number;
    try {
      id = parseGroup(line).groupId;
    } catch (err) {
      if (err instanceof NodeswitchError) return fail(field, err.message);
      throw err;
    }
    const first = ids.get(id);
    if (first !== undefined) fail(field, `group ${id} is already ${at}[${first}]`);
    ids.set(id, j);
    return line;
  });
}

function join2(field: string, key: string): string {
  return field ? `${field}.${key}` : key;
}

/** The fs calls saveDb makes; tests swap them to fail at each step. */
export type FsOps = Pick<
  typeof fs,
  'mkdirSync' | 'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'unlinkSync'
>;

/** Writes the document atomically: temp file + fsync + rename + fsync of the directory. */
export function saveDb(path: string, doc: ConfigDoc, ops: FsOps = fs): void {
  const dir = dirname(path);
  ops.mkdirSync(dir, { recursive: true });
  // Same directory as the target, so rename() stays within one filesystem and is atomic.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const data = JSON.stringify(doc, null, 2) + '\n';
  try {
    const fd = ops.openSync(tmp, 'w', 0o600);
    try {
      ops.writeSync(fd, data);
      ops.fsyncSync(fd);
    } finally {
      ops.closeSync(fd);
    }
    ops.renameSync(tmp, path);
  } catch (err) {
    try {
      ops.unlinkSync(tmp);
    } catch {
      // Already gone (rename happened or open failed): nothing to clean.
    }
    throw err;
  }
  // The document holds every flow now: the journal's records are in it. (A crash
  // before this unlink leaves them to be replayed again, which changes nothing.)
  try {
    ops.unlinkSync(journalPathOf(path));
  } catch {
    // No journal (ENOENT), or it stays and is replayed harmlessly.
  }
  // The rename is durable only once the directory entry is on disk. A failure here is
  // not reported: the new document is already what readers see, and an error would
  // make the caller undo a change that is in the file.
  try {
    const dfd = ops.openSync(dir, 'r');
    try {
      ops.fsyncSync(dfd);
    } finally {
      ops.closeSync(dfd);
    }
  } catch {
    // See above.
  }
}

/** A bridge's settings as the DB keeps them: datapath-poll only when not the default. */
export function dbOptions(o: Required<BridgeOptions>): Pick<DbBridge, 'macAging' | 'macTableSize' | 'datapathPoll'> {
  return { macAging: o.macAging, macTableSize: o.macTableSize, ...(o.datapathPoll !== 'adaptive' && { datapathPoll: o.datapathPoll }) };
}

/** A VLAN check (src/vlan.ts) whose refusal becomes the loader's, at `field` (the setting it names, when it names one). */
function vlanCheck<T>(check: () => T, field: string, fail: (field: string, reason: string) => never): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof NodeswitchError)) throw err;
    const key = err.argument === 'vlan_mode' ? 'vlanMode' : err.argument;
    fail(field.endsWith(']') && key ? `${field}.${key}` : field, err.message);
  }
}
