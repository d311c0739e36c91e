// The management socket protocol, shared by the daemon and the CLI.
//
// One unix stream socket; each message is one line of JSON. A client sends
//   {"id": 1, "verb": "add-port", "args": {"bridge": "br0", "port": "vnet0"}}
// and the daemon answers, in order, on the same connection:
//   {"id": 1, "ok": true, "result": {...}}
//   {"id": 1, "ok": false, "error": {"message": "...", "argument": "port"}}
// Arguments are checked again on the daemon side: the socket is an API, not only the
// CLI's private channel.
//
// A client may close its sending side once it has sent its requests: each complete
// one is still answered (a last line without "\n" too), then the daemon closes. The
// live jobs a connection starts (capture, inject) last only while the client keeps
// its sending side open: closing it, or dying, stops them (jobs.ts). A poll or a
// stop may come on another connection (by bridge and port, or stop-job by id).
//
// Bulk text (an add-flows file of any size) does not go inside the JSON: the request
// says `"body": {"arg": "flows", "bytes": N}` and the N raw bytes follow its newline;
// the daemon reads them whole and hands them to the verb as args.flows (UTF-8). A
// JSON line is capped (MAX_LINE), a body is not. While such a verb runs, the daemon
// may send progress lines for it, `{"id": 1, "progress": {...}}`, before its answer
// (only when the request's args ask for them with "progress": true).
import { NodeswitchError } from '../errors.js';

export const VERBS = [
  'add-br',
  'del-br',
  'list-br',
  'show',
  'set-bridge',
  'add-port',
  'set-port',
  'del-port',
  'add-bond',
  'bond-show',
  'list-ports',
  'dump-ports',
  'fdb-show',
  'fdb-flush',
  'add-flow',
  'add-flows',
  'mod-flows',
  'del-flows',
  'dump-flows',
  'dump-megaflows',
  'trace',
  'inject',
  'inject-stop',
  'capture',
  'capture-status',
  'capture-stop',
  'list-jobs',
  'stop-job',
  'add-mirror',
  'del-mirror',
  'list-mirrors',
  'set-port',
  'add-meter',
  'mod-meter',
  'del-meters',
  'dump-meters',
  'meter-stats',
  'add-group',
  'add-groups',
  'mod-group',
  'del-groups',
  'dump-groups',
  'dump-group-stats',
  'dump-group-features',
  'set-qos',
  'clear-qos',
  'dump-queues',
  'set-controller',
  'del-controller',
  'set-fail-mode',
  'set-listen',
] as const;
export type Verb = (typeof VERBS)[number];

export type Args = Record<string, unknown>;

export interface Request {
  id: number | string;
  verb: Verb;
  args: Args;
  /** Raw bytes that follow the request line: which argument they fill, and how many. */
  body?: RequestBody;
}

export interface RequestBody {
  arg: string;
  bytes: number;
}

/** A progress report the daemon sends before a long verb's answer. */
export interface ProgressLine {
  id: number | string;
  progress: Progress;
}

/** How far a long verb is: `done` of `total` (lines of a flows file), in its phase. */
export interface Progress {
  phase: 'parse' | 'install' | 'save';
  done: number;
  total: number;
}

export interface ErrorBody {
  message: string;
  argument?: string;
}

export type Response =
  | { id: number | string | null; ok: true; result: unknown }
  | { id: number | string | null; ok: false; error: ErrorBody };

/** One request line, checked for shape (not for meaning: the controller does that). */
export function parseRequest(line: string): Request {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    throw new NodeswitchError(`request is not valid JSON: ${(err as Error).message}`, 'request');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    throw new NodeswitchError('request must be a JSON object {id, verb, args}', 'request');
  }
  const { id, verb, args, body } = msg as Record<string, unknown>;
  if (typeof id !== 'number' && typeof id !== 'string') {
    throw new NodeswitchError('request id must be a number or a string', 'id');
  }
  if (typeof verb !== 'string' || !(VERBS as readonly string[]).includes(verb)) {
    throw new NodeswitchError(`unknown verb "${String(verb)}" (known: ${VERBS.join(', ')})`, 'verb');
  }
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    throw new NodeswitchError('request args must be a JSON object', 'args');
  }
  const req: Request = { id, verb: verb as Verb, args: (args ?? {}) as Args };
  if (body !== undefined) req.body = checkBody(body);
  return req;
}

function checkBody(body: unknown): RequestBody {
  const b = body as Partial<RequestBody> | null;
  if (typeof b !== 'object' || b === null || typeof b.arg !== 'string' || b.arg === '') {
    throw new NodeswitchError('request body must be {"arg": NAME, "bytes": N}', 'body');
  }
  if (typeof b.bytes !== 'number' || !Number.isSafeInteger(b.bytes) || b.bytes < 0) {
    throw new NodeswitchError(`request body bytes must be a byte count, got ${JSON.stringify(b.bytes)}`, 'body');
  }
  return { arg: b.arg, bytes: b.bytes };
}

/**
 * How many raw bytes follow a request line (0: none). Cheap for the usual line; a
 * line that declares a malformed body throws, and the connection cannot go on
 * (where the next request starts is unknown).
 */
export function bodyBytesOf(line: string): number {
  if (!line.includes('"body"')) return 0;
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return 0; // answered as invalid JSON
  }
  const body = (msg as { body?: unknown } | null)?.body;
  return body === undefined ? 0 : checkBody(body).bytes;
}

/** The id of a request line that failed to parse, so its error can still be matched. */
export function idOf(line: string): number | string | null {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === 'number' || typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

export function requireString(args: Args, key: string): string {
  const v = args[key];
  if (v === undefined || v === null || v === '') throw new NodeswitchError(`missing argument ${key}`, key);
  if (typeof v !== 'string') throw new NodeswitchError(`${key} must be a string, got ${JSON.stringify(v)}`, key);
  return v;
}

export function optionalString(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new NodeswitchError(`${key} must be a string, got ${JSON.stringify(v)}`, key);
  return v;
}

/** Numbers may arrive as JSON numbers or decimal strings; ranges are checked later. */
export function optionalNumber(args: Args, key: string): number | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new NodeswitchError(`${key} must be an integer, got ${JSON.stringify(v)}`, key);
  }
  return n;
}

export function optionalBoolean(args: Args, key: string): boolean {
  const v = args[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new NodeswitchError(`${key} must be true or false, got ${JSON.stringify(v)}`, key);
  return v;
}

export function optionalNumberList(args: Args, key: string): number[] | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new NodeswitchError(`${key} must be a list of integers, got ${JSON.stringify(v)}`, key);
  }
  return v as number[];
}

// Result shapes, as the CLI renders them and --json prints them. One vocabulary for
// every verb: camelCase keys; a port is `name` (its netdev) and `ofport`; link state
// is `state`, in the words the human output uses ("up", "down", …), never a boolean.
import type { DatapathPollMode, PortStats } from '../types.js';
import type { ShowOpenFlow } from './openflow-verbs.js';

/** A port's link state: attached and up or down; missing: in the config but not attached. */
export type PortState = 'up' | 'down' | 'missing' | 'unknown';

/** One row of dump-ports: the port's counters and its link state; a shaped port's queues. */
export type DumpPortRow = Omit<PortStats, 'up'> & { state: 'up' | 'down'; queues?: DumpQueueRow[] };

/** A shaped port's queue in dump-ports (src/qos/qos.ts QueueStats, less the port). */
export interface DumpQueueRow {
  queue: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
  backlogPackets: number;
}

export function dumpPortRow(stats: PortStats): DumpPortRow {
  const { up, ...rest } = stats;
  return { ...rest, state: up ? 'up' : 'down' };
}

export interface ShowPort {
  name: string;
  type: string;
  ofport: number;
  /** up/down: attached, link state; missing: in the config but not attached (why in reason). */
  state: PortState;
  reason?: string;
  tag?: number;
  trunks?: number[];
  vlanMode?: string;
  /** A bond's member netdevs. */
  members?: string[];
  ingressPolicingRate?: number;
  ingressPolicingBurst?: number;
  /** Its shaping, in set-qos's words. */
  qos?: string;
}

export interface ShowBridge {
  name: string;
  macAging: number;
  macTableSize: number;
  datapathPoll: DatapathPollMode;
  /** OpenFlow on the wire: datapath id, fail mode, controllers, listeners (openflow-verbs.ts). */
  openflow?: ShowOpenFlow;
  ports: ShowPort[];
}

export interface ShowResult {
  bridges: ShowBridge[];
}
