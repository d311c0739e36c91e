// Parsing of the CLI's own argument syntax (numbers, lists, key=value settings).
// The CLI checks syntax so that a typo is reported before anything is sent; the
// daemon checks meaning (ranges the datapath enforces, names that must exist).
import { NodeswitchError } from '../errors.js';
import { DATAPATH_POLL_MODES, MAC_AGING, MAC_TABLE_SIZE, OFPORT, type Range, VLAN_ID, VLAN_TAG } from '../limits.js';
import { checkInteger, checkPollMode, rangeError } from '../validate.js';
import { checkDatapathId } from '../openflow/conn/targets.js';

/** A decimal integer in `range`, said as the daemon and the DB loader say it. */
export function parseInteger(value: string, argument: string, range: Range): number {
  // Digits only: "1e3", " 7" and "0x10" are typos on a command line, not numbers.
  if (!/^\d+$/.test(value)) throw rangeError(argument, range, value);
  return checkInteger(value, argument, range);
}

export function parseOfport(value: string): number {
  return parseInteger(value, 'ofport', OFPORT);
}

export function parseTag(value: string): number {
  return parseInteger(value, 'tag', VLAN_TAG);
}

/** "10,20,30" → [10, 20, 30]; every id 0–4095, no duplicates. */
export function parseTrunks(value: string): number[] {
  const parts = value.split(',');
  if (value === '' || parts.some((p) => p.trim() === '')) {
    throw new NodeswitchError(`trunks must be a comma-separated list of VLAN ids (e.g. 10,20), got "${value}"`, 'trunks');
  }
  const vids = parts.map((p) => parseInteger(p.trim(), 'trunks', VLAN_ID));
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
  parseInteger(m[2]!, 'http port', { min: 1, max: 65535 });
  return value;
}

export interface BridgeSettings {
  macAging?: number;
  macTableSize?: number;
  datapathPoll?: (typeof DATAPATH_POLL_MODES)[number];
  /** The LOCAL port: made (true) or removed (false). */
  local?: boolean;
  /** The OpenFlow datapath id, 16 hex digits ('': derived again). */
  datapathId?: string;
}

const SETTINGS_HELP = `mac-aging=SECONDS, mac-table-size=N, datapath-poll=${DATAPATH_POLL_MODES.join('|')}, local=true|false, datapath-id=HEX16`;

const SETTINGS: Record<string, { field: 'macAging' | 'macTableSize'; range: Range }> = {
  'mac-aging': { field: 'macAging', range: MAC_AGING },
  'mac-table-size': { field: 'macTableSize', range: MAC_TABLE_SIZE },
};

/** set-bridge's KEY=VALUE list: mac-aging=SECONDS, mac-table-size=N, datapath-poll=MODE. */
export function parseBridgeSettings(items: string[]): BridgeSettings {
  const out: BridgeSettings = {};
  if (items.length === 0) {
    throw new NodeswitchError(`set-bridge needs at least one of ${SETTINGS_HELP}`, 'settings');
  }
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (key === 'datapath-poll') {
      if (eq < 0) throw new NodeswitchError(`${key} needs a value: ${key}=${DATAPATH_POLL_MODES.join('|')}`, key);
      if (out.datapathPoll !== undefined) throw new NodeswitchError(`${key} is given twice`, key);
      out.datapathPoll = checkPollMode(item.slice(eq + 1));
      continue;
    }
    if (key === 'local') {
      const v = eq < 0 ? undefined : item.slice(eq + 1);
      if (v !== 'true' && v !== 'false') throw new NodeswitchError(`local must be true or false (local=true|false), got ${v === undefined ? 'no value' : JSON.stringify(v)}`, key);
      if (out.local !== undefined) throw new NodeswitchError(`${key} is given twice`, key);
      out.local = v === 'true';
      continue;
    }
    if (key === 'datapath-id') {
      if (eq < 0) throw new NodeswitchError(`${key} needs a value: ${key}=HEX16 (16 hex digits), or ${key}= to derive it again`, key);
      if (out.datapathId !== undefined) throw new NodeswitchError(`${key} is given twice`, key);
      const v = item.slice(eq + 1);
      out.datapathId = v === '' ? '' : checkDatapathId(v);
      continue;
    }
    const setting = SETTINGS[key];
    if (setting === undefined) {
      throw new NodeswitchError(`unknown bridge setting "${key}" (known: ${[...Object.keys(SETTINGS), 'datapath-poll', 'local', 'datapath-id'].join(', ')})`, key);
    }
    if (eq < 0) throw new NodeswitchError(`${key} needs a value: ${key}=N`, key);
    if (out[setting.field] !== undefined) throw new NodeswitchError(`${key} is given twice`, key);
    out[setting.field] = parseInteger(item.slice(eq + 1), key, setting.range);
  }
  return out;
}

