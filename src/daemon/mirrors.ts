// The mirror verbs (add-mirror, del-mirror, list-mirrors) and the mirrors' part of
// the config DB: each bridge's `mirrors`, in the order added, ports by name.
//
// As every change verb: checked whole, applied to the switch, then written; undone
// when the write fails. A port is named by its name or ofport, as other verbs
// take it. A mirror's output port cannot be deleted (del-mirror first); a deleted
// source port leaves the mirrors that select it (OVS's weak references), so a
// mirror may come to select nothing and stays, as in OVS.
import { NodeswitchError } from '../errors.js';
import { type MirrorInfo, type MirrorSpec, checkMirror, checkMirrorName, MAX_MIRRORS, mirrorPorts, withoutPort } from '../mirror.js';
import type { ConfigDoc, DbBridge, DbPort } from './config-db.js';
import { type Args, optionalBoolean, optionalNumber, optionalNumberList, optionalString, requireString } from './protocol.js';
import { portKey } from './restore.js';
import type { BridgeApi, Log } from './switch-api.js';

/** A mirror as the DB keeps it. */
export interface DbMirror extends MirrorSpec {
  name: string;
}

/** What the mirror verbs need of the controller. */
export interface MirrorContext {
  config(): ConfigDoc;
  docBridge(name: string): DbBridge;
  docPort(bridge: string, port: string): DbPort;
  liveBridge(name: string): BridgeApi;
  commit(next: ConfigDoc, undo: () => Promise<void>): Promise<void>;
  missing: Map<string, string>;
  log: Log;
}

type MirrorVerb = 'add-mirror' | 'del-mirror' | 'list-mirrors';

export function isMirrorVerb(verb: string): verb is MirrorVerb {
  return verb === 'add-mirror' || verb === 'del-mirror' || verb === 'list-mirrors';
}

export async function mirrorVerb(verb: MirrorVerb, args: Args, ctx: MirrorContext): Promise<unknown> {
  const brName = requireString(args, 'bridge');
  const doc = ctx.docBridge(brName);
  const bridge = ctx.liveBridge(brName);
  if (!bridge.addMirror || !bridge.deleteMirror || !bridge.setMirrors || !bridge.mirrors) {
    throw new NodeswitchError('this switch has no port mirroring', 'bridge');
  }
  if (verb === 'list-mirrors') return bridge.mirrors();
  const name = checkMirrorName(requireString(args, 'name'));
  const before = (doc.mirrors ?? []).map(toEntry);
  if (verb === 'del-mirror') {
    if (!doc.mirrors?.some((m) => m.name === name)) throw new NodeswitchError(`bridge ${brName} has no mirror ${name}`, 'name');
    await bridge.deleteMirror(name);
    const next = ctx.config();
    const entry = next.bridges.find((b) => b.name === brName)!;
    entry.mirrors = entry.mirrors!.filter((m) => m.name !== name);
    if (!entry.mirrors.length) delete entry.mirrors;
    await ctx.commit(next, () => bridge.setMirrors!(before));
    ctx.log(`bridge ${brName}: mirror ${name} deleted`);
    return {};
  }
  if (doc.mirrors?.some((m) => m.name === name)) throw new NodeswitchError(`bridge ${brName} already has a mirror ${name}`, 'name');
  if ((doc.mirrors?.length ?? 0) >= MAX_MIRRORS) throw new NodeswitchError(`bridge ${brName} has ${MAX_MIRRORS} mirrors, the most it can have`, 'name');
  const spec = mirrorArgs(args, (port, argument) => attachedPortName(ctx, brName, port, argument));
  await bridge.addMirror(name, spec);
  const next = ctx.config();
  const entry = next.bridges.find((b) => b.name === brName)!;
  const saved = bridge.mirrors ? (await bridge.mirrors()).find((m) => m.name === name) : undefined;
  entry.mirrors = [...(entry.mirrors ?? []), { name, ...specOf(saved ?? { name, ...spec, packets: 0, bytes: 0 }) }];
  await ctx.commit(next, () => bridge.deleteMirror!(name));
  ctx.log(`bridge ${brName}: mirror ${name} added (${describe(spec)})`);
  return { name, ...spec };
}

/** add-mirror's arguments as a MirrorSpec; ports resolved to names. */
function mirrorArgs(args: Args, portName: (port: string, argument: string) => string): MirrorSpec {
  const spec: MirrorSpec = {};
  if (optionalBoolean(args, 'selectAll')) spec.selectAll = true;
  const ports = (key: string, argument: string): string[] | undefined => {
    const v = args[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p !== '')) {
      throw new NodeswitchError(`${argument} must be a list of ports, got ${JSON.stringify(v)}`, argument);
    }
    return (v as string[]).map((p) => portName(p, argument));
  };
  const src = ports('selectSrcPort', 'select-src-port');
  const dst = ports('selectDstPort', 'select-dst-port');
  if (src) spec.selectSrcPort = src;
  if (dst) spec.selectDstPort = dst;
  const vlans = optionalNumberList(args, 'selectVlan');
  if (vlans) spec.selectVlan = vlans;
  const out = optionalString(args, 'outputPort');
  if (out !== undefined) spec.outputPort = portName(out, 'output-port');
  const outVlan = optionalNumber(args, 'outputVlan');
  if (outVlan !== undefined) spec.outputVlan = outVlan;
  return spec;
}

/** A port of the bridge, by name or ofport, that is attached (a mirror needs it in the datapath). */
function attachedPortName(ctx: MirrorContext, brName: string, port: string, argument: string): string {
  let p: DbPort;
  try {
    p = ctx.docPort(brName, port);
  } catch (err) {
    if (err instanceof NodeswitchError) throw new NodeswitchError(`${argument}: ${err.message}`, argument);
    throw err;
  }
  const reason = ctx.missing.get(portKey(brName, p.name));
  if (reason !== undefined) throw new NodeswitchError(`${argument}: port ${p.name} is in the config but not attached (${reason})`, argument);
  return p.name;
}

function toEntry(m: DbMirror): { name: string; spec: MirrorSpec } {
  const { name, ...spec } = m;
  return { name, spec };
}

/** The configuration part of a listed mirror. */
function specOf(m: MirrorInfo): MirrorSpec {
  const keys = ['selectAll', 'selectSrcPort', 'selectDstPort', 'selectVlan', 'outputPort', 'outputVlan'] as const;
  return Object.fromEntries(keys.filter((k) => m[k] !== undefined).map((k) => [k, m[k]])) as MirrorSpec;
}

function describe(m: MirrorSpec): string {
  const parts: string[] = [];
  if (m.selectAll) parts.push('select-all');
  if (m.selectSrcPort) parts.push(`select-src-port ${m.selectSrcPort.join(',')}`);
  if (m.selectDstPort) parts.push(`select-dst-port ${m.selectDstPort.join(',')}`);
  if (m.selectVlan) parts.push(`select-vlan ${m.selectVlan.join(',')}`);
  parts.push(m.outputPort !== undefined ? `output-port ${m.outputPort}` : `output-vlan ${m.outputVlan}`);
  return parts.join(', ');
}

// ---- port deletion -------------------------------------------------------------------

/** del-port refuses a port that is a mirror's output: nothing is changed. */
export function checkNotMirrorOutput(b: DbBridge, port: string): void {
  const m = b.mirrors?.find((x) => x.outputPort === port);
  if (m) throw new NodeswitchError(`port ${port} is the output of mirror ${m.name} on bridge ${b.name}: delete the mirror first`, 'port');
}

/** The bridge's saved mirrors without `port` in their selections (in place). */
export function forgetMirrorPort(b: DbBridge, port: string): void {
  if (b.mirrors) b.mirrors = b.mirrors.map((m) => ({ name: m.name, ...withoutPort(m, port) }));
}

// ---- the config DB and restore -----------------------------------------------------

/** Checks a bridge's saved `mirrors` field against its ports. */
export function validateMirrors(value: unknown, bridge: DbBridge, at: string, fail: (field: string, reason: string) => never): DbMirror[] {
  if (!Array.isArray(value)) return fail(at, 'must be an array of mirrors');
  if (value.length > MAX_MIRRORS) fail(at, `at most ${MAX_MIRRORS} mirrors per bridge`);
  const names = new Set<string>();
  const ports = new Set(bridge.ports.map((p) => p.name));
  const keys = ['name', 'selectAll', 'selectSrcPort', 'selectDstPort', 'selectVlan', 'outputPort', 'outputVlan'];
  return (value as unknown[]).map((raw, j) => {
    const field = `${at}[${j}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(field, 'must be a JSON object');
    for (const k of Object.keys(raw)) if (!keys.includes(k)) fail(`${field}.${k}`, `unknown field (expected one of ${keys.join(', ')})`);
    const { name, ...spec } = raw as DbMirror;
    try {
      checkMirrorName(name);
    } catch (err) {
      return fail(`${field}.name`, (err as Error).message);
    }
    if (names.has(name)) fail(`${field}.name`, `mirror ${name} appears twice`);
    names.add(name);
    try {
      return { name, ...checkMirror(spec, (p) => ports.has(p), bridge.name, { saved: true }) };
    } catch (err) {
      if (err instanceof NodeswitchError) return fail(`${field}${fieldOf(err.argument)}`, err.message);
      throw err;
    }
  });
}

function fieldOf(argument: string | undefined): string {
  const map: Record<string, string> = {
    'select-all': '.selectAll',
    'select-src-port': '.selectSrcPort',
    'select-dst-port': '.selectDstPort',
    'select-vlan': '.selectVlan',
    'output-port': '.outputPort',
    'output-vlan': '.outputVlan',
  };
  return map[argument ?? ''] ?? '';
}

/**
 * Puts a bridge's saved mirrors on the switch at start (after its ports). A port
 * that is not attached is left out of the selections for now; a mirror whose
 * output port is not attached is not applied. The DB keeps them all as they are.
 */
export async function restoreMirrors(bridge: BridgeApi, saved: DbBridge, missing: Map<string, string>, log: Log): Promise<void> {
  if (!saved.mirrors?.length || !bridge.setMirrors) return;
  const absent = new Set(saved.ports.filter((p) => missing.has(portKey(saved.name, p.name))).map((p) => p.name));
  const live: { name: string; spec: MirrorSpec }[] = [];
  for (const m of saved.mirrors) {
    const { name, spec } = toEntry(m);
    if (spec.outputPort !== undefined && absent.has(spec.outputPort)) {
      log(`warning: bridge ${saved.name}: mirror ${name} kept in the config but not applied: its output port ${spec.outputPort} is not attached`);
      continue;
    }
    let s = spec;
    for (const p of mirrorPorts(spec)) if (absent.has(p)) s = withoutPort(s, p);
    live.push({ name, spec: s });
  }
  await bridge.setMirrors(live);
  log(`bridge ${saved.name}: ${live.length} mirror${live.length === 1 ? '' : 's'} restored`);
}

/** Undo of del-br: the bridge's mirrors back. */
export async function recreateMirrors(bridge: BridgeApi, old: DbBridge, missing: Map<string, string>): Promise<void> {
  await restoreMirrors(bridge, old, missing, () => undefined);
}
