// OpenFlow connection targets in Open vSwitch's syntax, and the bridge's OpenFlow
// settings as the CLI, the daemon and the config DB take them.
//
//   active (set-controller):  tcp:IP[:PORT]   unix:PATH        (PORT defaults to 6653)
//   passive (set-listen):     ptcp:[PORT][:IP] punix:PATH      (IP defaults to 127.0.0.1)
//
// An IPv6 address goes in brackets, as OVS writes it: tcp:[::1]:6653, ptcp:6653:[::1].
// A passive TCP listener binds loopback unless the user names another address. Every
// check throws a NodeswitchError naming the argument, so a bad target is refused
// before anything is applied. No imports beyond errors/validate: the CLI loads this.
import { isIP } from 'node:net';
import { NodeswitchError } from '../../errors.js';
import type { Range } from '../../limits.js';
import { rangeText } from '../../validate.js';

/** IANA's OpenFlow port, OVS's default for tcp: and ptcp:. */
export const OFP_TCP_PORT = 6653;
export const TCP_PORT: Range = { min: 1, max: 65535 };

export type ActiveTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };
export type PassiveTarget = { kind: 'ptcp'; host: string; port: number } | { kind: 'punix'; path: string };

export type FailMode = 'standalone' | 'secure';
export const FAIL_MODES: readonly FailMode[] = ['standalone', 'secure'];

/**
 * OVS's inactivity_probe (ms): echo after this long without a message, drop after as
 * long again; 0: off. OVS's minimum is 5 s; 1 s here so that tests need not wait.
 */
export const DEFAULT_INACTIVITY_PROBE_MS = 5000;
export const INACTIVITY_PROBE: Range = { min: 1000, max: 3_600_000 };
/** OVS's controller_rate_limit (packet-ins/s, per connection) and controller_burst_limit, with its minimums. */
export const RATE_LIMIT: Range = { min: 100, max: 10_000_000 };
export const BURST_LIMIT: Range = { min: 25, max: 10_000_000 };

/** A bridge's OpenFlow settings, as the config DB keeps them (all optional: absent is the default). */
export interface OpenFlowSettings {
  /** set-controller's targets, normalized (formatTarget); absent or empty: none. */
  controllers?: string[];
  /** set-listen's targets, normalized. */
  listeners?: string[];
  /** Absent: standalone, as OVS. */
  failMode?: FailMode;
  /** 16 hex digits; absent: derived (datapath-id.ts). */
  datapathId?: string;
  /** ms; absent: DEFAULT_INACTIVITY_PROBE_MS. */
  inactivityProbe?: number;
  /** Packet-ins per second per connection; absent: no limit (as OVS without controller_rate_limit). */
  rateLimit?: number;
  /** The bucket's depth; absent with a rate: rate/4, at least 25 (OVS's pinsched). */
  burstLimit?: number;
}

function bad(argument: string, target: string, why: string): never {
  throw new NodeswitchError(`${argument} "${target}": ${why}`, argument);
}

function tcpPort(text: string, argument: string, target: string): number {
  if (!/^\d+$/.test(text)) bad(argument, target, `the port must be ${rangeText(TCP_PORT)}, got "${text}"`);
  const n = Number(text);
  if (n < TCP_PORT.min || n > TCP_PORT.max) bad(argument, target, `the port must be ${rangeText(TCP_PORT)}, got ${n}`);
  return n;
}

function ipAddress(text: string, argument: string, target: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 0 || (family === 6) !== text.startsWith('[')) {
    bad(argument, target, `"${text}" is not an IP address (IPv4 like 127.0.0.1, IPv6 in brackets like [::1])`);
  }
  return bare;
}

function unixPath(text: string, argument: string, target: string): string {
  if (text === '') bad(argument, target, 'the socket path is empty');
  // sun_path: 108 bytes with its NUL.
  if (Buffer.byteLength(text, 'utf8') > 107) bad(argument, target, 'a unix socket path can be at most 107 bytes');
  return text;
}

/** Splits "IP:PORT" / "[IPv6]:PORT" / "IP" (no port). */
function hostAndPort(rest: string): { host: string; port?: string } {
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { host: rest };
    const after = rest.slice(close + 1);
    return after.startsWith(':') ? { host: rest.slice(0, close + 1), port: after.slice(1) } : { host: rest };
  }
  const colon = rest.indexOf(':');
  return colon < 0 ? { host: rest } : { host: rest.slice(0, colon), port: rest.slice(colon + 1) };
}

/** set-controller's TARGET: tcp:IP[:PORT] or unix:PATH. */
export function parseActiveTarget(target: string, argument = 'target'): ActiveTarget {
  if (target.startsWith('tcp:')) {
    const rest = target.slice(4);
    if (!rest.startsWith('[') && rest.split(':').length > 2) ipAddress(rest.replace(/:\d+$/, ''), argument, target);
    const { host, port } = hostAndPort(rest);
    if (host === '') bad(argument, target, 'tcp: needs an IP address: tcp:IP[:PORT]');
    return { kind: 'tcp', host: ipAddress(host, argument, target), port: port === undefined ? OFP_TCP_PORT : tcpPort(port, argument, target) };
  }
  if (target.startsWith('unix:')) return { kind: 'unix', path: unixPath(target.slice(5), argument, target) };
  const scheme = /^([a-z]+):/.exec(target)?.[1];
  const hint = scheme === 'ptcp' || scheme === 'punix' ? ` (${scheme}: is a listener: set-listen)` : scheme === 'ssl' ? ' (ssl: is not supported)' : '';
  return bad(argument, target, `not a controller target: tcp:IP[:PORT] or unix:PATH${hint}`);
}

/** set-listen's TARGET: ptcp:[PORT][:IP] or punix:PATH. */
export function parsePassiveTarget(target: string, argument = 'target'): PassiveTarget {
  if (target.startsWith('ptcp:')) {
    const rest = target.slice(5);
    const colon = rest.indexOf(':');
    const portText = colon < 0 ? rest : rest.slice(0, colon);
    const hostText = colon < 0 ? '' : rest.slice(colon + 1);
    const port = portText === '' ? OFP_TCP_PORT : tcpPort(portText, argument, target);
    const host = hostText === '' ? '127.0.0.1' : ipAddress(hostText, argument, target);
    return { kind: 'ptcp', host, port };
  }
  if (target.startsWith('punix:')) return { kind: 'punix', path: unixPath(target.slice(6), argument, target) };
  const scheme = /^([a-z]+):/.exec(target)?.[1];
  const hint = scheme === 'tcp' || scheme === 'unix' ? ` (${scheme}: is a controller: set-controller)` : scheme === 'pssl' ? ' (pssl: is not supported)' : '';
  return bad(argument, target, `not a listener target: ptcp:[PORT][:IP] or punix:PATH${hint}`);
}

const bracket = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/** A target in the one spelling the DB keeps and show prints (ports and addresses explicit). */
export function formatTarget(t: ActiveTarget | PassiveTarget): string {
  switch (t.kind) {
    case 'tcp':
      return `tcp:${bracket(t.host)}:${t.port}`;
    case 'unix':
      return `unix:${t.path}`;
    case 'ptcp':
      return `ptcp:${t.port}:${bracket(t.host)}`;
    case 'punix':
      return `punix:${t.path}`;
  }
}

/** Targets checked, normalized, without duplicates (a duplicate is refused, naming it). */
export function normalizeTargets(targets: readonly unknown[], passive: boolean, argument = 'target'): string[] {
  const out: string[] = [];
  for (const t of targets) {
    if (typeof t !== 'string') throw new NodeswitchError(`${argument} must be a string, got ${JSON.stringify(t)}`, argument);
    const text = formatTarget(passive ? parsePassiveTarget(t, argument) : parseActiveTarget(t, argument));
    if (out.includes(text)) throw new NodeswitchError(`${argument} "${t}" is given twice`, argument);
    out.push(text);
  }
  if (passive) {
    const ports = out.filter((t) => t.startsWith('ptcp:')).map((t) => t.split(':')[1]);
    const dup = ports.find((p, i) => ports.indexOf(p) !== i);
    if (dup !== undefined) throw new NodeswitchError(`${argument}: two listeners on TCP port ${dup}`, argument);
  }
  return out;
}

export function checkFailMode(value: unknown): FailMode {
  if (!FAIL_MODES.includes(value as FailMode)) {
    throw new NodeswitchError(`fail mode must be standalone or secure, got ${JSON.stringify(value)}`, 'fail-mode');
  }
  return value as FailMode;
}

/** inactivity-probe (ms): 0 (off) or INACTIVITY_PROBE. */
export function checkInactivityProbe(value: unknown): number {
  if (value === 0) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INACTIVITY_PROBE.min || value > INACTIVITY_PROBE.max) {
    throw new NodeswitchError(`inactivity-probe must be 0 (off) or ${rangeText(INACTIVITY_PROBE)} (milliseconds), got ${JSON.stringify(value)}`, 'inactivity-probe');
  }
  return value;
}

/** datapath-id: 16 hex digits (OVS's other-config:datapath-id), lower-cased. */
export function checkDatapathId(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{16}$/.test(value)) {
    throw new NodeswitchError(`datapath-id must be exactly 16 hex digits (e.g. 0000aabbccddeeff), got ${JSON.stringify(value)}`, 'datapath-id');
  }
  return value.toLowerCase();
}
