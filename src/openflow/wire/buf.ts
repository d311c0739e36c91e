/**
 * Bounds-checked big-endian reading and a growable writer, the only places the codec
 * touches bytes by offset.
 *
 * A Reader knows which error a short read is (OFPBRC_BAD_LEN for a message body,
 * OFPBMC_BAD_LEN inside a match, OFPBAC_BAD_LEN inside an action …), so a truncated
 * structure anywhere becomes the right OfDecodeError and never a RangeError.
 */
import type { OfErrorType } from './constants.js';
import { OfDecodeError } from './errors.js';

export type ErrorKind = [OfErrorType, number];

export class Reader {
  private at: number;

  constructor(
    readonly buf: Buffer,
    /** What a short read is. */
    readonly lenError: ErrorKind = ['BAD_REQUEST', 6],
    start = 0,
    private readonly end = buf.length,
  ) {
    this.at = start;
  }

  get offset(): number {
    return this.at;
  }
  get remaining(): number {
    return this.end - this.at;
  }

  fail(kind: ErrorKind, reason: string): never {
    throw new OfDecodeError(kind[0], kind[1], reason);
  }

  private need(n: number, what: string): number {
    if (n < 0 || this.at + n > this.end) {
      this.fail(this.lenError, `${what}: ${n} bytes needed at offset ${this.at}, ${this.end - this.at} left`);
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.buf[this.need(1, what)]!;
  }
  u16(what = 'u16'): number {
    return this.buf.readUInt16BE(this.need(2, what));
  }
  u32(what = 'u32'): number {
    return this.buf.readUInt32BE(this.need(4, what));
  }
  u64(what = 'u64'): bigint {
    return this.buf.readBigUInt64BE(this.need(8, what));
  }
  bytes(n: number, what = 'bytes'): Buffer {
    const at = this.need(n, what);
    return this.buf.subarray(at, at + n);
  }
  hex(n: number, what = 'bytes'): string {
    return this.bytes(n, what).toString('hex');
  }
  skip(n: number, what = 'padding'): void {
    this.need(n, what);
  }
  /** A NUL-padded fixed-size string field. */
  str(n: number, what = 'string'): string {
    const b = this.bytes(n, what);
    const nul = b.indexOf(0);
    return b.subarray(0, nul < 0 ? n : nul).toString('latin1');
  }
  rest(): Buffer {
    return this.bytes(this.remaining, 'rest');
  }
  /** The next `n` bytes as a reader of their own (with its own short-read error). */
  sub(n: number, lenError: ErrorKind = this.lenError, what = 'structure'): Reader {
    if (n > this.remaining) this.fail(lenError, `${what} of ${n} bytes at offset ${this.at}, ${this.remaining} left`);
    const at = this.need(n, what);
    return new Reader(this.buf, lenError, at, at + n);
  }
  peekU16(delta = 0): number {
    if (this.at + delta + 2 > this.end) this.fail(this.lenError, `truncated header at offset ${this.at}`);
    return this.buf.readUInt16BE(this.at + delta);
  }
}

/**
 * Appends big-endian values; `patch16` fills in lengths afterwards. (room() may swap
 * the buffer: take the offset before touching this.buf.)
 */
export class Writer {
  // Unsafe: every byte below `at` is written (zeros() included) before finish().
  private buf = Buffer.allocUnsafe(256);
  private at = 0;

  get length(): number {
    return this.at;
  }

  private room(n: number): number {
    if (this.at + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(v: number): this {
    const at = this.room(1);
    this.buf[at] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }
  u64(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), at);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }
  hex(h: string, n: number): this {
    const b = Buffer.from(h, 'hex');
    if (b.length !== n) throw new RangeError(`expected ${n} bytes of hex, got "${h}"`);
    return this.bytes(b);
  }
  zeros(n: number): this {
    const at = this.room(n);
    this.buf.fill(0, at, this.at);
    return this;
  }
  /** A NUL-padded fixed-size string (truncated to n-1 bytes so it stays terminated). */
  str(s: string, n: number): this {
    const b = Buffer.from(s, 'latin1').subarray(0, n - 1);
    this.bytes(b);
    return this.zeros(n - b.length);
  }
  /** Zero padding up to a multiple of `align` counted from `from`. */
  pad(from: number, align = 8): this {
    return this.zeros((align - ((this.at - from) % align)) % align);
  }
  patch16(at: number, v: number): void {
    this.buf.writeUInt16BE(v & 0xffff, at);
  }
  patch32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }
  finish(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
