/**
 * Decode failures. A message that cannot be decoded answers with the OFPT_ERROR the
 * spec prescribes: OfDecodeError carries its type, code, the message's xid and its
 * first ≤ 64 bytes, and errorFor builds that reply.
 */
import { ERROR_CODES, type OfErrorType } from './constants.js';
import type { ErrorMsg } from './messages.js';

/** The spec asks for at least 64 bytes of the offending message. */
export const ERROR_DATA_LEN = 64;

export class OfDecodeError extends Error {
  /** The offending message's first ≤ 64 bytes. */
  data: Buffer;
  /** Set when the decoder itself failed (a bug), not the message. */
  internal = false;

  constructor(
    readonly errType: OfErrorType,
    readonly errCode: number,
    /** What is wrong, for logs. */
    reason: string,
    public xid = 0,
    data: Buffer = Buffer.alloc(0),
  ) {
    super(`${errType}/${codeName(errType, errCode)}: ${reason}`);
    this.name = 'OfDecodeError';
    this.data = data.subarray(0, ERROR_DATA_LEN);
  }
}

/** OFPBRC_BAD_LEN → "BAD_LEN"; the number when unknown. */
export function codeName(errType: OfErrorType | number, code: number): string {
  if (typeof errType === 'number' || errType === 'EXPERIMENTER') return String(code);
  const table = ERROR_CODES[errType];
  return Object.keys(table).find((k) => table[k] === code) ?? String(code);
}

/** The OFPT_ERROR message answering a message that failed to decode. */
export function errorFor(e: OfDecodeError): ErrorMsg {
  return { type: 'error', xid: e.xid, errType: e.errType, code: e.errCode, data: Buffer.from(e.data) };
}
