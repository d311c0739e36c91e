/**
 * Whole flows in ovs-ofctl syntax: `parseFlow` for add-flow / mod-flows / del-flows
 * strings, `parseMatch` for a bare match, `parseFlowsFile` for add-flows files, and
 * `formatFlow` printing a flow as `ovs-ofctl -O OpenFlow13 dump-flows` does.
 *
 * The flow string splits like OVS's: everything after the first "action...=" is
 * the action list, the rest is key=value tokens (separated by commas or blanks)
 * that are either flow-mod attributes (table, priority, cookie, timeouts, flags,
 * out_port) or match fields (fields.ts). The stat keys dump-flows prints (duration,
 * n_packets, n_bytes, idle_age, hard_age) are ignored, so a dump-flows line can be
 * fed back as a flow.
 *
 * Which attributes a context takes (as OVS's parse_ofp_str):
 *   add     table (0..254, default 0), priority, cookie=V, idle/hard_timeout, flags, actions
 *   modify  as add, but table defaults to 255 (all tables), cookie=V sets the cookie
 *           and cookie=V/M selects flows by cookie
 *   delete  table (default 255), priority (for --strict), cookie=V/M, out_port; no actions
 *
 * Round trip: formatFlow(parseFlow(formatFlow(s))) === formatFlow(s) for any spec s
 * parseFlow produced, and for a canonical dump-flows string t (without stats),
 * formatFlow(parseFlow(t)) === t.
 */
import { FlowSyntaxError } from './errors.js';
import { type Action, formatActions, type Instructions, parseActions } from './actions.js';
import { FieldError, type Match, MatchBuilder } from './fields.js';
import { formatMatchWithPriority } from './match-format.js';
import { formatPort, hex, type KeyValue, parsePort, parseUint, parseUint64, splitKeyValues, ValueError } from './values.js';

export type FlowContext = 'add' | 'modify' | 'delete';

export interface ParseOptions {
  context?: FlowContext; // default 'add'
  /** The verb the errors name (default: add-flow, mod-flows, del-flows by context); dump-flows parses as a delete. */
  verb?: string;
  /** Port names (in_port=vnet0, output:vnet0) → OpenFlow port number, or undefined. */
  resolvePort?: (name: string) => number | undefined;
}

/** "All tables": the table of a modify/delete without table=. */
export const TABLE_ALL = 255;
export const DEFAULT_PRIORITY = 32768;

export interface FlowSpec {
  table: number;
  priority: number;
  /** add/modify: the cookie to set. With cookieMask: the cookie value to select flows by. */
  cookie: bigint;
  cookieMask?: bigint;
  /** A modify that names no cookie keeps each flow's own (as ovs-ofctl mod-flows does). */
  cookieGiven?: boolean;
  idleTimeout: number; // seconds, 0 = none
  hardTimeout: number;
  flags: { sendFlowRem: boolean; checkOverlap: boolean };
  outPort?: number; // delete only
  match: Match;
  /** The apply-actions list. */
  actions: Action[];
  instructions: Instructions;
}

/** Counters dump-flows prints; the other columns come from the FlowSpec. */
export interface FlowStats {
  durationSec: number; // may be fractional; printed with millisecond precision
  nPackets: number | bigint;
  nBytes: number | bigint;
  idleAge?: number; // seconds
  hardAge?: number; // printed only when it differs from the whole duration seconds
}

const IGNORED = new Set(['duration', 'n_packets', 'n_bytes', 'idle_age', 'hard_age']);

function valueError(kv: KeyValue, e: unknown): unknown {
  return e instanceof ValueError ? new FlowSyntaxError(kv.raw, e.message) : e;
}

function asSyntaxError(e: unknown): unknown {
  return e instanceof FieldError ? new FlowSyntaxError(e.token, e.reason) : e;
}

/** Splits at OVS's boundary: the first "action", then its "=". */
function splitActions(text: string): [string, string | undefined] {
  const at = text.indexOf('action');
  if (at < 0) return [text, undefined];
  const eq = text.indexOf('=', at);
  return [text.slice(0, at), eq < 0 ? '' : text.slice(eq + 1)];
}

export function parseFlow(text: string, options: ParseOptions = {}): FlowSpec {
  try {
    return parseFlowInner(text, options);
  } catch (e) {
    throw asSyntaxError(e);
  }
}

function parseFlowInner(text: string, options: ParseOptions): FlowSpec {
  const context = options.context ?? 'add';
  const verb = options.verb ?? (context === 'add' ? 'add-flow' : context === 'modify' ? 'mod-flows' : 'del-flows');
  const [matchText, actionText] = splitActions(text);
  if (context === 'delete' && actionText !== undefined) {
    throw new FlowSyntaxError('actions', `${verb} takes a match, not actions`);
  }
  if (context !== 'delete' && actionText === undefined) {
    throw new FlowSyntaxError(text.trim() || '(empty flow)', 'must specify actions (e.g. actions=drop)');
  }
  const spec: FlowSpec = {
    table: context === 'add' ? 0 : TABLE_ALL,
    priority: DEFAULT_PRIORITY,
    cookie: 0n,
    idleTimeout: 0,
    hardTimeout: 0,
    flags: { sendFlowRem: false, checkOverlap: false },
    match: {},
    actions: [],
    instructions: {},
  };
  let setCookie: KeyValue | undefined;
  const builder = new MatchBuilder(options.resolvePort);
  for (const kv of splitKeyValues(matchText)) {
    if (builder.add(kv)) continue;
    const notIn = (what: string): never => {
      throw new FlowSyntaxError(kv.raw, `${kv.key} is not allowed in ${what}`);
    };
    try {
      switch (kv.key) {
        case 'table': {
          const t = parseUint(kv.value, 8);
          if (t === TABLE_ALL && context === 'add') throw new ValueError('table must be 0..254 (255 means all tables, only for mod/del)');
          spec.table = t;
          break;
        }
        case 'priority':
          spec.priority = parseUint(kv.value, 16);
          break;
        case 'idle_timeout':
        case 'hard_timeout':
          if (context === 'delete') notIn(verb);
          spec[kv.key === 'idle_timeout' ? 'idleTimeout' : 'hardTimeout'] = parseUint(kv.value, 16);
          break;
        case 'send_flow_rem':
        case 'check_overlap':
          if (context === 'delete') notIn(verb);
          if (kv.value !== '') throw new ValueError(`${kv.key} is a flag and takes no value`);
          spec.flags[kv.key === 'send_flow_rem' ? 'sendFlowRem' : 'checkOverlap'] = true;
          break;
        case 'out_port':
          if (context !== 'delete') notIn(verb);
          spec.outPort = parsePort(kv.value, options.resolvePort);
          break;
        case 'cookie': {
          const [v, m] = kv.value.split('/');
          if (m === undefined) {
            if (context === 'delete') throw new ValueError(`${verb} cannot set a cookie; select with cookie=VALUE/MASK`);
            const c = parseUint64(v!);
            if (c === 0xffffffffffffffffn) throw new ValueError('cookie 0xffffffffffffffff is reserved');
            spec.cookie = c;
            spec.cookieGiven = true;
            setCookie = kv;
          } else {
            if (context === 'add') throw new ValueError('flow additions cannot use a cookie mask');
            // -1: all ones, as ovs-ofctl users write it.
            spec.cookieMask = m === '-1' ? 0xffffffffffffffffn : parseUint64(m);
            spec.cookie = parseUint64(v!) & spec.cookieMask;
          }
          break;
        }
        default:
          if (IGNORED.has(kv.key)) break;
          throw new ValueError(kv.key in ACTION_WORDS ? 'actions must follow "actions="' : 'unknown field or keyword');
      }
    } catch (e) {
      throw valueError(kv, e);
    }
  }
  if (setCookie && spec.cookieMask !== undefined) {
    throw new FlowSyntaxError(setCookie.raw, 'cannot both set the cookie and select flows by cookie=VALUE/MASK');
  }
  spec.match = builder.finish();
  if (actionText !== undefined) {
    const parsed = parseActions(actionText, spec.match, spec.table, options.resolvePort);
    spec.actions = parsed.actions;
    spec.instructions = parsed.instructions;
  }
  return spec;
}

/** Words that are actions, to hint when they show up before "actions=". */
const ACTION_WORDS: Record<string, true> = { output: true, drop: true, normal: true, controller: true, set_field: true };

/** A match alone (a dump-flows or del-flows filter): match fields only. */
export function parseMatch(text: string, options: Pick<ParseOptions, 'resolvePort'> = {}): Match {
  const builder = new MatchBuilder(options.resolvePort);
  try {
    for (const kv of splitKeyValues(text)) {
      if (!builder.add(kv)) throw new FlowSyntaxError(kv.raw, 'not a match field');
    }
    return builder.finish();
  } catch (e) {
    throw asSyntaxError(e);
  }
}

/**
 * The flows of an add-flows file: one flow per line, '#' starts a comment, blank
 * lines are skipped, a trailing '\' continues a line. Yields [1-based number of the
 * flow's first line, its text]. Scans with indexOf: no array of every line.
 */
export function* flowLines(text: string): Generator<[number, string]> {
  let at = 0;
  let lineNo = 0;
  while (at < text.length) {
    const first = lineNo + 1;
    let line = '';
    for (;;) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      const end = nl > at && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const piece = text.slice(at, end);
      at = nl + 1;
      lineNo++;
      if (piece.endsWith('\\') && nl < text.length) {
        line += piece.slice(0, -1);
        continue;
      }
      line += piece;
      break;
    }
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    if (line.trim() !== '') yield [first, line];
  }
}

/**
 * Parses an add-flows file (flowLines). All or nothing: the first bad line rejects
 * the file, and the error carries its 1-based line number.
 */
export function parseFlowsFile(text: string, options: ParseOptions = {}): FlowSpec[] {
  const flows: FlowSpec[] = [];
  for (const [first, line] of flowLines(text)) {
    try {
      flows.push(parseFlow(line, options));
    } catch (e) {
      if (e instanceof FlowSyntaxError) throw e.atLine(first);
      throw e;
    }
  }
  return flows;
}

/** Lines parsed between two yields to the event loop (and progress reports). */
const LINES_PER_SLICE = 20_000;

/**
 * parseFlowsFile for big files: gives the event loop a turn every LINES_PER_SLICE
 * lines (so a daemon keeps answering and its progress lines go out), and reports
 * `onProgress(lineReached, totalLines)` then.
 */
export async function parseFlowsFileAsync(
  text: string,
  options: ParseOptions = {},
  onProgress?: (line: number, total: number) => void,
): Promise<FlowSpec[]> {
  const flows: FlowSpec[] = [];
  await parseFlowsEach(text, options, (spec) => void flows.push(spec), onProgress);
  return flows;
}

/**
 * parseFlowsFileAsync handing each flow to `onFlow` as it is parsed instead of
 * collecting them (add-flows of a big file keeps no array of specs). A syntax error
 * stops it with the line's number; `onFlow`'s own errors are the caller's.
 */
export async function parseFlowsEach(
  text: string,
  options: ParseOptions,
  onFlow: (spec: FlowSpec) => void,
  onProgress?: (line: number, total: number) => void,
): Promise<void> {
  const total = onProgress ? countLines(text) : 0;
  let next = LINES_PER_SLICE;
  for (const [first, line] of flowLines(text)) {
    if (first >= next) {
      next = first + LINES_PER_SLICE;
      onProgress?.(first - 1, total);
      await new Promise((resolve) => setImmediate(resolve));
    }
    let spec: FlowSpec;
    try {
      spec = parseFlow(line, options);
    } catch (e) {
      if (e instanceof FlowSyntaxError) throw e.atLine(first);
      throw e;
    }
    onFlow(spec);
  }
  onProgress?.(total, total);
}

function countLines(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return text.length && !text.endsWith('\n') ? n + 1 : n;
}

function formatDuration(sec: number): string {
  const whole = Math.floor(sec);
  const ms = Math.round((sec - whole) * 1000);
  if (ms === 1000) return `${whole + 1}s`;
  return ms ? `${whole}.${String(ms).padStart(3, '0')}s` : `${whole}s`;
}

/**
 * One flow as `ovs-ofctl -O OpenFlow13 dump-flows` prints it: without stats as with
 * --no-stats ("cookie=0x5, table=1, idle_timeout=10, priority=100,tcp,tp_dst=80
 * actions=output:2"), with stats including cookie, duration, table, n_packets, n_bytes
 * and idle_age. ovs-ofctl indents each line by one space; that is the caller's.
 */
export function formatFlow(spec: FlowSpec, stats?: FlowStats): string {
  const head = formatHead(spec, stats);
  return `${head}${head && !head.endsWith(' ') ? ' ' : ''}actions=${formatActions(spec.actions, spec.instructions)}`;
}

/**
 * A mod-flows/del-flows selection without actions, parseable back with the same
 * context: "cookie=0x1/0xff, table=2, out_port=3, priority=10,ip".
 */
export function formatFilter(spec: FlowSpec): string {
  const head = formatHead(spec);
  const table = spec.table === 0 ? 'table=0, ' : '';
  return (table + head).replace(/,? $/, '');
}

function formatHead(spec: FlowSpec, stats?: FlowStats): string {
  return formatAttrs(spec, stats) + formatMatchWithPriority(spec.match, spec.priority);
}

/** What a flow's line holds before its match: the attributes formatFlow prints there. */
export type FlowAttrs = Pick<FlowSpec, 'cookie' | 'cookieMask' | 'table' | 'idleTimeout' | 'hardTimeout' | 'flags' | 'outPort'>;

/**
 * The part of formatFlow's line before the match (cookie, table, timeouts, flags,
 * counters): formatFlow(s, stats) === formatAttrs(s, stats) + formatFlow(s).slice(formatAttrs(s).length),
 * which lets a stored line get its counters without being parsed again (flow-entry.ts).
 */
export function formatAttrs(spec: FlowAttrs, stats?: FlowStats): string {
  let out = '';
  if (stats || spec.cookie !== 0n || spec.cookieMask !== undefined) {
    out += `cookie=${hex(spec.cookie)}${spec.cookieMask === undefined ? '' : `/${hex(spec.cookieMask)}`}, `;
  }
  if (stats) out += `duration=${formatDuration(stats.durationSec)}, `;
  if (stats || (spec.table !== 0 && spec.table !== TABLE_ALL)) out += `table=${spec.table}, `;
  if (stats) out += `n_packets=${stats.nPackets}, n_bytes=${stats.nBytes}, `;
  if (spec.idleTimeout) out += `idle_timeout=${spec.idleTimeout}, `;
  if (spec.hardTimeout) out += `hard_timeout=${spec.hardTimeout}, `;
  if (spec.flags.sendFlowRem) out += 'send_flow_rem ';
  if (spec.flags.checkOverlap) out += 'check_overlap ';
  if (stats?.idleAge !== undefined) out += `idle_age=${stats.idleAge}, `;
  if (stats?.hardAge !== undefined && stats.hardAge !== Math.floor(stats.durationSec)) {
    out += `hard_age=${stats.hardAge}, `;
  }
  if (spec.outPort !== undefined) out += `out_port=${formatPort(spec.outPort)}, `;
  return out;
}

export { formatMatch } from './match-format.js';
