// A bridge's OpenFlow settings in the config DB (DbBridge.openflow): controllers,
// listeners, fail mode, datapath id, inactivity probe, packet-in rate limits — the
// targets kept in their normalized spelling (src/openflow/conn/targets.ts), checked
// at load as set-controller / set-listen check them.
import { NodeswitchError } from '../errors.js';
import type { Range } from '../limits.js';
import { rangeText } from '../validate.js';
import {
  BURST_LIMIT,
  checkDatapathId,
  checkFailMode,
  checkInactivityProbe,
  normalizeTargets,
  type OpenFlowSettings,
  RATE_LIMIT,
} from '../openflow/conn/targets.js';

export type DbOpenFlow = OpenFlowSettings;

const KEYS = ['controllers', 'listeners', 'failMode', 'datapathId', 'inactivityProbe', 'rateLimit', 'burstLimit'];

export function validateOpenFlow(value: unknown, at: string, fail: (field: string, reason: string) => never): DbOpenFlow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(at, 'must be a JSON object');
  const raw = value as Record<string, unknown>;
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) fail(`${at}.${k}`, `unknown field (expected one of ${KEYS.join(', ')})`);
  const check = <T>(field: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof NodeswitchError) return fail(`${at}.${field}`, err.message);
      throw err;
    }
  };
  const int = (field: string, range: Range): number => {
    const v = raw[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max) fail(`${at}.${field}`, `must be ${rangeText(range)}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const out: DbOpenFlow = {};
  for (const field of ['controllers', 'listeners'] as const) {
    if (raw[field] === undefined) continue;
    if (!Array.isArray(raw[field])) fail(`${at}.${field}`, 'must be an array of targets');
    out[field] = check(field, () => normalizeTargets(raw[field] as unknown[], field === 'listeners'));
  }
  if (raw.failMode !== undefined) out.failMode = check('failMode', () => checkFailMode(raw.failMode));
  if (raw.datapathId !== undefined) out.datapathId = check('datapathId', () => checkDatapathId(raw.datapathId));
  if (raw.inactivityProbe !== undefined) out.inactivityProbe = check('inactivityProbe', () => checkInactivityProbe(raw.inactivityProbe));
  if (raw.rateLimit !== undefined) out.rateLimit = int('rateLimit', RATE_LIMIT);
  if (raw.burstLimit !== undefined) {
    if (raw.rateLimit === undefined) fail(`${at}.burstLimit`, 'a burst limit needs a rate limit (rateLimit)');
    out.burstLimit = int('burstLimit', BURST_LIMIT);
  }
  return out;
}
