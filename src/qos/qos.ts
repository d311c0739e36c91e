/**
 * Egress shaping settings (set-qos): Open vSwitch's QoS and Queue records, with the
 * meanings of its linux-htb type, rates in bit/s —
 *
 *   set-qos PORT type=htb max-rate=BPS [--queue Q:min-rate=BPS,max-rate=BPS,priority=N]…
 *
 * max-rate is the port's, shared by all its queues. A queue's min-rate is its
 * guarantee (default: none), its max-rate what it may borrow up to (default: the
 * port's), priority the order it borrows in (lower first; default 0). Queue 0 is the
 * default queue: what no set_queue chose, or chose a queue the port has not, goes
 * there; without a --queue 0 it has no guarantee and may use the whole max-rate.
 *
 * One checker for every way in (CLI, socket, DB, API), so one mistake gets one
 * message: the argument named, nothing applied. No imports of the addon.
 */
import { NodeswitchError } from '../errors.js';
import { MAX_QUEUES, QOS_RATE, QUEUE_ID, QUEUE_PRIORITY, type Range } from '../limits.js';
import { rangeError } from '../validate.js';

export interface QueueSpec {
  minRate?: number;
  maxRate?: number;
  priority?: number;
}

/** As the user gave it (shown and saved so); defaults are filled in by resolveQos. */
export interface QosSpec {
  type: 'htb';
  maxRate: number;
  /** By queue id, 0..MAX_QUEUES-1. */
  queues: Record<string, QueueSpec>;
}

/** Every queue with its defaults, in id order: what the datapath runs. */
export interface ResolvedQueue {
  queue: number;
  minRate: number;
  maxRate: number;
  priority: number;
}

function integer(value: unknown, argument: string, range: Range): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < range.min || n > range.max) {
    const err = rangeError(argument, range, value);
    throw new NodeswitchError(`${err.message}${range === QOS_RATE ? ' (a rate in bit/s)' : ''}`, argument);
  }
  return n;
}

const QUEUE_KEYS: Record<string, { field: keyof QueueSpec; range: Range }> = {
  'min-rate': { field: 'minRate', range: QOS_RATE },
  'max-rate': { field: 'maxRate', range: QOS_RATE },
  priority: { field: 'priority', range: QUEUE_PRIORITY },
};

/** A queue id, said the one way whatever the source. */
export function checkQueueId(value: unknown, argument = 'queue'): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < QUEUE_ID.min || n > QUEUE_ID.max) {
    throw new NodeswitchError(
      `${argument} ${JSON.stringify(value)} is outside the queue table (queue ids are ${QUEUE_ID.min} to ${QUEUE_ID.max})`,
      argument,
    );
  }
  return n;
}

/**
 * Checks a whole QoS setting (from the socket, the DB or the API) and returns it
 * normalised; throws naming the argument as the CLI spells it.
 */
export function checkQos(value: unknown): QosSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NodeswitchError(`qos must be an object {type, maxRate, queues}, got ${JSON.stringify(value)}`, 'qos');
  }
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!['type', 'maxRate', 'queues'].includes(k)) throw new NodeswitchError(`unknown QoS setting "${k}"`, k);
  }
  if (v.type !== 'htb' && v.type !== 'linux-htb') {
    throw new NodeswitchError(`type must be htb (OVS's linux-htb), got ${JSON.stringify(v.type)}`, 'type');
  }
  if (v.maxRate === undefined) throw new NodeswitchError('set-qos needs max-rate=BPS (the port\'s rate in bit/s)', 'max-rate');
  const maxRate = integer(v.maxRate, 'max-rate', QOS_RATE);
  const queues: Record<string, QueueSpec> = {};
  const raw = v.queues ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new NodeswitchError(`queues must be an object by queue id, got ${JSON.stringify(raw)}`, 'queue');
  }
  for (const [id, q] of Object.entries(raw as Record<string, unknown>)) {
    const n = checkQueueId(id);
    const at = `queue ${n}`;
    if (typeof q !== 'object' || q === null || Array.isArray(q)) throw new NodeswitchError(`${at} must be an object`, 'queue');
    const spec: QueueSpec = {};
    for (const [k, val] of Object.entries(q as Record<string, unknown>)) {
      const def = Object.values(QUEUE_KEYS).find((d) => d.field === k);
      if (!def) throw new NodeswitchError(`${at}: unknown queue setting "${k}"`, 'queue');
      const cli = Object.keys(QUEUE_KEYS).find((c) => QUEUE_KEYS[c]!.field === k)!;
      spec[def.field] = integer(val, `${at} ${cli}`, def.range);
    }
    queues[String(n)] = spec;
  }
  const qos: QosSpec = { type: 'htb', maxRate, queues };
  resolveQos(qos); // the checks across settings
  return qos;
}

/** The queues with their defaults; throws when the settings contradict each other. */
export function resolveQos(qos: QosSpec): ResolvedQueue[] {
  const out: ResolvedQueue[] = [];
  let guaranteed = 0;
  for (let q = 0; q < MAX_QUEUES; q++) {
    const spec = qos.queues[String(q)];
    if (!spec) continue;
    const maxRate = spec.maxRate ?? qos.maxRate;
    const minRate = spec.minRate ?? 0;
    if (maxRate > qos.maxRate) {
      throw new NodeswitchError(`queue ${q} max-rate ${maxRate} exceeds the port's max-rate ${qos.maxRate}`, `queue ${q} max-rate`);
    }
    if (minRate > maxRate) {
      throw new NodeswitchError(`queue ${q} min-rate ${minRate} exceeds its max-rate ${maxRate}`, `queue ${q} min-rate`);
    }
    guaranteed += minRate;
    out.push({ queue: q, minRate, maxRate, priority: spec.priority ?? 0 });
  }
  if (guaranteed > qos.maxRate) {
    throw new NodeswitchError(
      `the queues' min-rates add up to ${guaranteed}, more than the port's max-rate ${qos.maxRate}: they cannot all be guaranteed`,
      'min-rate',
    );
  }
  return out;
}

/**
 * set-qos's words after the port: KEY=VALUE settings (type=, max-rate=) and the
 * --queue values ("Q:min-rate=…,max-rate=…,priority=…"), as the CLI got them.
 */
export function parseQosArgs(settings: string[], queueArgs: string[]): QosSpec {
  const top: Record<string, unknown> = {};
  for (const item of settings) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (key !== 'type' && key !== 'max-rate') {
      throw new NodeswitchError(`unknown QoS setting "${key}" (known: type=htb, max-rate=BPS; queues with --queue Q:…)`, key);
    }
    if (eq < 0) throw new NodeswitchError(`${key} needs a value: ${key === 'type' ? 'type=htb' : 'max-rate=BPS'}`, key);
    const field = key === 'type' ? 'type' : 'maxRate';
    if (top[field] !== undefined) throw new NodeswitchError(`${key} is given twice`, key);
    top[field] = item.slice(eq + 1);
  }
  if (top.type === undefined) throw new NodeswitchError('set-qos needs type=htb', 'type');
  const queues: Record<string, Record<string, unknown>> = {};
  for (const arg of queueArgs) {
    const colon = arg.indexOf(':');
    const idText = colon < 0 ? arg : arg.slice(0, colon);
    const id = checkQueueId(idText, '--queue');
    if (queues[String(id)]) throw new NodeswitchError(`--queue ${id} is given twice`, '--queue');
    const q: Record<string, unknown> = {};
    const body = colon < 0 ? '' : arg.slice(colon + 1);
    for (const kv of body.split(',').filter((s) => s !== '')) {
      const eq = kv.indexOf('=');
      const key = eq < 0 ? kv : kv.slice(0, eq);
      const def = QUEUE_KEYS[key];
      if (!def) throw new NodeswitchError(`--queue ${id}: unknown queue setting "${key}" (known: min-rate, max-rate, priority)`, '--queue');
      if (eq < 0) throw new NodeswitchError(`--queue ${id}: ${key} needs a value`, '--queue');
      if (q[def.field] !== undefined) throw new NodeswitchError(`--queue ${id}: ${key} is given twice`, '--queue');
      q[def.field] = kv.slice(eq + 1);
    }
    queues[String(id)] = q;
  }
  return checkQos({ ...top, queues });
}

/** One line, in set-qos's own words (show, logs). */
export function formatQos(qos: QosSpec): string {
  const parts = [`type=${qos.type}`, `max-rate=${qos.maxRate}`];
  for (const [id, q] of Object.entries(qos.queues).sort(([a], [b]) => Number(a) - Number(b))) {
    const kv = [
      q.minRate !== undefined && `min-rate=${q.minRate}`,
      q.maxRate !== undefined && `max-rate=${q.maxRate}`,
      q.priority !== undefined && `priority=${q.priority}`,
    ].filter(Boolean);
    parts.push(`--queue ${id}${kv.length ? `:${kv.join(',')}` : ''}`);
  }
  return parts.join(' ');
}

/** One queue of a shaped port with its counters (dump-queues, Bridge.queueStats). */
export interface QueueStats {
  port: string;
  ofport: number;
  queue: number;
  minRate: number;
  maxRate: number;
  priority: number;
  txPackets: number;
  txBytes: number;
  /** Frames dropped because the queue was full: the only drops shaping makes. */
  txDropped: number;
  /** Frames (and their bytes) waiting to leave now. */
  backlogPackets: number;
  backlogBytes: number;
}
