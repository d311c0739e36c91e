/**
 * OFPT_ERROR replies: OfError is what a handler throws when it refuses a request in
 * OpenFlow's terms (type and code), and `toOfError` maps what the Bridge throws —
 * NodeswitchErrors in words, for the CLI — onto the code OVS answers the same
 * mistake with. `errorReply` builds the message with the offending bytes (the
 * request's first 64, as the spec asks).
 */
import { NodeswitchError } from '../../errors.js';
import { GroupModError, UnknownOutGroupError } from '../../ofproto/group.js';
import { MeterSyntaxError } from '../../qos/meter-syntax.js';
import { ERROR_CODES, ERROR_DATA_LEN, type ErrorMsg, type OfErrorType } from '../wire/index.js';

type ErrType = Exclude<OfErrorType, 'EXPERIMENTER'>;

/** A refusal in OpenFlow's terms: OFPET_<type>, its code by name, and why (for logs). */
export class OfError extends Error {
  readonly code: number;

  constructor(
    readonly errType: ErrType,
    codeName: string,
    reason: string,
  ) {
    super(`${errType}/${codeName}: ${reason}`);
    this.name = 'OfError';
    const code = ERROR_CODES[errType][codeName];
    if (code === undefined) throw new Error(`no code ${codeName} in OFPET_${errType}`);
    this.code = code;
  }
}

/** What a message of this kind fails with when the bridge refuses it for a reason it does not name. */
export type Failing = 'flow_mod' | 'meter_mod' | 'group_mod' | 'port_mod' | 'packet_out';

const FALLBACK: Record<Failing, [ErrType, string]> = {
  flow_mod: ['FLOW_MOD_FAILED', 'UNKNOWN'],
  meter_mod: ['METER_MOD_FAILED', 'UNKNOWN'],
  group_mod: ['GROUP_MOD_FAILED', 'EPERM'],
  port_mod: ['PORT_MOD_FAILED', 'EPERM'],
  packet_out: ['BAD_REQUEST', 'EPERM'],
};

/**
 * The OFPT_ERROR type and code for an error the Bridge threw while doing `what`.
 * The agent checks what it can in OpenFlow's terms before calling the Bridge (tables,
 * ports, meters, groups, buffers); what is left is read off the Bridge's error.
 */
export function toOfError(err: unknown, what: Failing): OfError {
  if (err instanceof OfError) return err;
  if (err instanceof GroupModError) return new OfError('GROUP_MOD_FAILED', err.ofCode, err.message);
  if (err instanceof UnknownOutGroupError) return new OfError('BAD_ACTION', 'BAD_OUT_GROUP', err.message);
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof NodeswitchError)) {
    // A bug, not a refusal: still an answer, never a dropped connection.
    const [t, c] = FALLBACK[what];
    return new OfError(t, c, message);
  }
  if (err instanceof MeterSyntaxError) return new OfError('METER_MOD_FAILED', meterCode(message), message);
  if (/overlaps an existing flow/.test(message)) return new OfError('FLOW_MOD_FAILED', 'OVERLAP', message);
  if (/table=255|\btable\b.*0\.\.254/.test(message)) return new OfError('FLOW_MOD_FAILED', 'BAD_TABLE_ID', message);
  if (/meter \d+ does not exist/.test(message)) return new OfError('METER_MOD_FAILED', 'UNKNOWN_METER', message);
  if (/meter \d+ already exists/.test(message)) return new OfError('METER_MOD_FAILED', 'METER_EXISTS', message);
  if (/group:\d+|group \d+ does not exist/.test(message)) return new OfError('BAD_ACTION', 'BAD_OUT_GROUP', message);
  if (/set_field to/.test(message)) return new OfError('BAD_ACTION', 'BAD_SET_TYPE', message);
  if (/goto_table/.test(message)) return new OfError('BAD_INSTRUCTION', 'BAD_TABLE_ID', message);
  if (/in_port .* neither a port/.test(message)) return new OfError('BAD_REQUEST', 'BAD_PORT', message);
  if (/packet(-out)?'?s? packet must be|shorter than an Ethernet header/.test(message)) return new OfError('BAD_REQUEST', 'BAD_PACKET', message);
  if (err.argument === 'meter') return new OfError('METER_MOD_FAILED', meterCode(message), message);
  if (err.argument === 'actions') return new OfError('BAD_ACTION', 'BAD_ARGUMENT', message);
  const [t, c] = FALLBACK[what];
  return new OfError(t, c, message);
}

/** A meter the bridge refuses, by what its words say (src/qos/meter-syntax.ts, meter-table.ts), most specific first. */
const METER_CODES: [RegExp, string][] = [
  [/already exists/, 'METER_EXISTS'],
  [/does not exist/, 'UNKNOWN_METER'],
  [/the meter id/, 'INVALID_METER'],
  [/at most \d+ bands/, 'OUT_OF_BANDS'],
  [/at least one band|band type|starts with its type/, 'BAD_BAND'],
  [/band rate|has no rate/, 'BAD_RATE'],
  [/burst/, 'BAD_BURST'],
  [/prec_level/, 'BAD_BAND_VALUE'],
  [/kbps|pktps/, 'BAD_FLAGS'],
];

function meterCode(message: string): string {
  return METER_CODES.find(([re]) => re.test(message))?.[1] ?? 'UNKNOWN';
}

/** The OFPT_ERROR answering a request: same xid, the request's first 64 bytes. */
export function errorReply(e: OfError, xid: number, request: Buffer): ErrorMsg {
  return { type: 'error', xid, errType: e.errType, code: e.code, data: Buffer.from(request.subarray(0, ERROR_DATA_LEN)) };
}
