// Parsing of the CLI's own argument syntax (numbers, lists, key=value settings).
// The CLI checks syntax so that a typo is reported before anything is sent; the
// daemon checks meaning (ranges the datapath enforces, names that must exist).
import { NodeswitchError } from '../errors.js';
import { MAX_OFPORT } from '../native.js';

const MAX_VLAN = 4095;

export function parseInteger(value: string, argument: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new NodeswitchError(`${argument} must be an integer from ${min} to ${max}, got "${value}"`, argument);
  }
  return n;
}

export function parseOfport(value: string): number {
  return parseInteger(value, 'ofport', 1, MAX_OFPORT);
}

export function parseTag(value: string): number {
  return parseInteger(value, 'tag', 0, MAX_VLAN);
}

/** "10,20,30" → [10, 20, 30]; every id 0–4095, no duplicates. */
export function parseTrunks(value: string): number[] {
  const parts = value.split(',');
  if (value === '' || parts.some((p) => p.trim() === '')) {
    throw new NodeswitchError(`trunks must be a comma-separated list of VLAN ids (e.g. 10,20), got "${value}"`, 'trunks');
  }
  const vids = parts.map((p) => parseInteger(p.trim(), 'trunks', 0, MAX_VLAN));
  const dup = vids.find((v, i) => vids.indexOf(v) !== i);
  if (dup !== undefined) throw new NodeswitchError(`trunks lists VLAN ${dup} twice`, 'trunks');
  return vids;
}

export function parsePortType(value: string): 'afpacket' | 'tap' {
  if (value !== 'afpacket' && value !== 'tap') {
    throw new NodeswitchError(`port type "${value}" is not one of afpacket, tap`, 'type');
  }
  return value;
}

/** ADDR:PORT for --http, e.g. 127.0.0.1:8080 or [::1]:8080. */
export function parseHttpAddress(value: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d+)$/.exec(value);
  if (!m) throw new NodeswitchError(`http address must be ADDR:PORT (e.g. 127.0.0.1:8080), got "${value}"`, 'http');
  parseInteger(m[2]!, 'http port', 1, 65535);
  return value;
}

export interface BridgeSettings {
  macAging?: number;
  macTableSize?: number;
}

const SETTINGS: Record<string, keyof BridgeSettings> = {
  'mac-aging': 'macAging',
  'mac-table-size': 'macTableSize',
};

/** set-bridge's KEY=VALUE list: mac-aging=SECONDS, mac-table-size=N. */
export function parseBridgeSettings(items: string[]): BridgeSettings {
  const out: BridgeSettings = {};
  if (items.length === 0) {
    throw new NodeswitchError('set-bridge needs at least one of mac-aging=SECONDS, mac-table-size=N', 'settings');
  }
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const field = SETTINGS[key];
    if (field === undefined) {
      throw new NodeswitchError(`unknown bridge setting "${key}" (known: ${Object.keys(SETTINGS).join(', ')})`, key);
    }
    if (eq < 0) throw new NodeswitchError(`${key} needs a value: ${key}=N`, key);
    if (out[field] !== undefined) throw new NodeswitchError(`${key} is given twice`, key);
    out[field] = parseInteger(item.slice(eq + 1), key, 1, Number.MAX_SAFE_INTEGER);
  }
  return out;
}
