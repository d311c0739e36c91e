/**
 * One installed flow as the table keeps it: compact, because a table holds millions.
 *
 * An entry keeps its flow as the canonical line formatFlow prints (the text the
 * daemon saves and dump-flows shows, one flat string) plus the few numbers the
 * table's own decisions read — table, priority, cookie, timeouts, flags, meter —
 * and its packed match (packMatch). The parsed FlowSpec, a graph of a dozen objects
 * per flow, is not kept: `spec` parses the line again when someone needs the whole
 * flow (modify, trace, a dump's JSON rows), and parseFlow(formatFlow(s)) compiles
 * to what s compiles to (test/unit/flow-entry.test.ts). dump-flows lines come from
 * the line and the counters without parsing (format).
 *
 * The packed match starts with the table and the priority (signature()): equal
 * strings are identical flows in OpenFlow's sense, so the table's identical-flow
 * index is keyed by the entry's own string and costs no second copy.
 */
import type { Action } from './actions.js';
import { type FlowAttrs, type FlowSpec, type FlowStats, formatAttrs, formatFlow, parseFlow } from './flow.js';

// Flag objects shared by every entry (FlowSpec.flags' four combinations).
const FLAGS: readonly FlowSpec['flags'][] = [
  Object.freeze({ sendFlowRem: false, checkOverlap: false }),
  Object.freeze({ sendFlowRem: true, checkOverlap: false }),
  Object.freeze({ sendFlowRem: false, checkOverlap: true }),
  Object.freeze({ sendFlowRem: true, checkOverlap: true }),
];

function flagsOf(f: FlowSpec['flags']): FlowSpec['flags'] {
  return FLAGS[(f.sendFlowRem ? 1 : 0) | (f.checkOverlap ? 2 : 0)]!;
}

const EPOCH = Date.now();

/**
 * `s` as one flat string. A string built by concatenation is a tree of pieces in V8
 * (a "cons string", 32 bytes a node on top of its pieces); converting it to a number
 * flattens it in place, so a stored line costs its characters and one header.
 */
export function flat(s: string): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions
  (s as unknown as number) | 0;
  return s;
}

/** Table and priority as the two char codes a signature starts with, then the packed match. */
export function signature(table: number, priority: number, packed: string): string {
  return String.fromCharCode(table, priority) + packed;
}

export class FlowEntry implements FlowAttrs {
  table: number;
  priority: number;
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  flags: FlowSpec['flags'];
  /** The meter instruction's meter, if any (del-meters and meter-stats read it). */
  meter: number | undefined;
  // Either the line (compact) or, until the line is first needed, the spec it is made from.
  private line: string | undefined;
  private parsed: FlowSpec | undefined;
  /** Table, priority and the packed match (signature()): what identical / overlaps / covers compare. */
  readonly sig: string;

  // Milliseconds since EPOCH: a small integer, stored inline (Date.now() itself would be a boxed double per entry).
  private createdMs: number;

  /** `sig`: signature(spec.table, spec.priority, packMatch(compiled)), flat. */
  constructor(
    readonly id: number,
    spec: FlowSpec,
    sig: string,
    created: number,
  ) {
    this.createdMs = created - EPOCH;
    this.table = spec.table;
    this.priority = spec.priority;
    this.cookie = spec.cookie;
    this.idleTimeout = spec.idleTimeout;
    this.hardTimeout = spec.hardTimeout;
    this.flags = flagsOf(spec.flags);
    this.meter = spec.instructions.meter;
    this.parsed = spec;
    this.sig = sig;
  }

  /**
   * formatFlow(spec): what the daemon saves and what spec is parsed back from. Made
   * when first read (a controller's flows through the API may never need it), and
   * from then on the entry keeps only it.
   */
  get text(): string {
    if (this.line === undefined) {
      this.line = flat(formatFlow(this.parsed!));
      this.parsed = undefined;
    }
    return this.line;
  }

  /** Keeps the line only, now (add-flows: the spec would otherwise stay alive). */
  compact(): this {
    void this.text;
    return this;
  }

  /** Date.now() when added (duration is counted from here). */
  get created(): number {
    return EPOCH + this.createdMs;
  }
  /** A modify with RESET_COUNTS replaces the flow but keeps its age (the agent sets it back). */
  set created(ms: number) {
    this.createdMs = ms - EPOCH;
  }

  // No cookie mask or out_port: those are selections, never an entry's.
  get cookieMask(): undefined {
    return undefined;
  }
  get outPort(): undefined {
    return undefined;
  }

  /** The packed match alone (packMatch's form). */
  get match(): string {
    return this.sig.slice(2);
  }

  /** The flow: parsed again from the line once compact (a fresh object each time: read it once). */
  get spec(): FlowSpec {
    return this.parsed ?? parseFlow(this.line!, { context: 'add' });
  }

  /** The apply-actions (out_port filters read them). */
  actions(): Action[] {
    return this.spec.actions;
  }

  /** The same flow (id, match, age) with other actions or cookie: a modify. Table and priority stay. */
  respec(spec: FlowSpec): void {
    this.cookie = spec.cookie;
    this.idleTimeout = spec.idleTimeout;
    this.hardTimeout = spec.hardTimeout;
    this.flags = flagsOf(spec.flags);
    this.meter = spec.instructions.meter;
    this.parsed = spec;
    this.line = undefined;
  }

  /** A copy with another spec (a batch's view of a modify before it commits). */
  withSpec(spec: FlowSpec): FlowEntry {
    const e = Object.create(FlowEntry.prototype) as FlowEntry;
    Object.assign(e, this);
    e.respec(spec);
    return e;
  }

  /** The dump-flows line with counters: formatFlow(spec, stats), from the stored line. */
  format(stats: FlowStats): string {
    return formatAttrs(this, stats) + this.text.slice(formatAttrs(this).length);
  }
}
