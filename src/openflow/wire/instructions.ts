/**
 * OpenFlow 1.3 instructions ↔ the project's apply-actions list + Instructions
 * (src/ofproto/actions.ts): GOTO_TABLE, WRITE_METADATA, WRITE_ACTIONS, APPLY_ACTIONS,
 * CLEAR_ACTIONS, METER.
 *
 * On the wire they may come in any order (OVS indexes them by type); each at most once
 * (else OFPBIC_UNSUP_INST). We encode in OVS's order: meter, apply, clear, write
 * actions, write metadata, goto. An empty apply-actions list is not encoded.
 * Refused (OFPET_BAD_INSTRUCTION): experimenter instructions (BAD_EXPERIMENTER), unknown
 * types (UNKNOWN_INST), bad lengths (BAD_LEN), goto_table to an earlier or the same
 * table or to 255 (BAD_TABLE_ID).
 */
import type { Action, Instructions } from '../../ofproto/actions.js';
import type { Match } from '../../ofproto/fields.js';
import { type ErrorKind, type Reader, type Writer } from './buf.js';
import { OFPBIC } from './constants.js';
import { readActions, writeActions } from './actions.js';

export const OFPIT = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
  EXPERIMENTER: 0xffff,
} as const;

const BAD = (code: keyof typeof OFPBIC): ErrorKind => ['BAD_INSTRUCTION', OFPBIC[code]];

export interface DecodedInstructions {
  actions: Action[];
  instructions: Instructions;
}

/**
 * Decodes the instructions filling the reader. `match`/`table`: the flow's, to check
 * actions against (MATCH_INCONSISTENT) and goto_table (table 255: a modify of every table).
 */
export function readInstructions(r: Reader, match?: Match, table = 255): DecodedInstructions {
  const out: DecodedInstructions = { actions: [], instructions: {} };
  const seen = new Set<number>();
  while (r.remaining > 0) {
    if (r.remaining < 4) r.fail(BAD('BAD_LEN'), 'truncated instruction header');
    const type = r.peekU16();
    const len = r.peekU16(2);
    if (len < 8 || len % 8) r.fail(BAD('BAD_LEN'), `instruction type ${type} with length ${len}`);
    const body: Reader = r.sub(len, BAD('BAD_LEN'), 'instruction');
    body.skip(4);
    if (seen.has(type)) body.fail(BAD('UNSUP_INST'), `instruction type ${type} appears twice`);
    seen.add(type);
    const fixed = (n: number): void => {
      if (len !== n) body.fail(BAD('BAD_LEN'), `instruction type ${type} must be ${n} bytes, got ${len}`);
    };
    const ins = out.instructions;
    switch (type) {
      case OFPIT.GOTO_TABLE: {
        fixed(8);
        const t = body.u8();
        body.skip(3);
        if (t > 254 || (table !== 255 && t <= table)) body.fail(BAD('BAD_TABLE_ID'), `goto_table:${t} from table ${table}`);
        ins.gotoTable = t;
        break;
      }
      case OFPIT.WRITE_METADATA: {
        fixed(24);
        body.skip(4);
        const value = body.u64();
        const mask = body.u64();
        ins.writeMetadata = { value: value & mask, mask };
        break;
      }
      case OFPIT.WRITE_ACTIONS:
      case OFPIT.APPLY_ACTIONS: {
        body.skip(4);
        const actions = readActions(body, match);
        if (type === OFPIT.APPLY_ACTIONS) out.actions = actions;
        else if (actions.length) ins.writeActions = actions;
        break;
      }
      case OFPIT.CLEAR_ACTIONS:
        fixed(8);
        body.skip(4);
        ins.clearActions = true;
        break;
      case OFPIT.METER:
        fixed(8);
        ins.meter = body.u32();
        break;
      case OFPIT.EXPERIMENTER:
        body.fail(BAD('BAD_EXPERIMENTER'), 'experimenter instructions are not supported');
      // falls through (fail never returns)
      default:
        body.fail(BAD('UNKNOWN_INST'), `instruction type ${type}`);
    }
  }
  return out;
}

function actionsInstruction(w: Writer, type: number, actions: readonly Action[]): void {
  const start = w.length;
  w.u16(type).u16(0).zeros(4);
  writeActions(w, actions);
  w.patch16(start + 2, w.length - start);
}

export function writeInstructions(w: Writer, actions: readonly Action[], ins: Instructions): void {
  if (ins.meter !== undefined) w.u16(OFPIT.METER).u16(8).u32(ins.meter);
  if (actions.length) actionsInstruction(w, OFPIT.APPLY_ACTIONS, actions);
  if (ins.clearActions) w.u16(OFPIT.CLEAR_ACTIONS).u16(8).zeros(4);
  if (ins.writeActions?.length) actionsInstruction(w, OFPIT.WRITE_ACTIONS, ins.writeActions);
  if (ins.writeMetadata) {
    w.u16(OFPIT.WRITE_METADATA).u16(24).zeros(4).u64(ins.writeMetadata.value).u64(ins.writeMetadata.mask);
  }
  if (ins.gotoTable !== undefined) w.u16(OFPIT.GOTO_TABLE).u16(8).u8(ins.gotoTable).zeros(3);
}
