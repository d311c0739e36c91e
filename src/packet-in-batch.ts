/**
 * Packet-ins as the datapath hands them over: one burst's packets in one batch —
 * a Uint32Array of fixed-size records (constants.packetInFields, from C++'s
 * NS_PACKET_IN_FIELDS in native/dp/upcall_batch.h) and one Buffer holding every
 * packet's data back to back. Reading a field is an array load; `frame(i)` is a view
 * into the batch's buffer (no copy), valid as long as the batch is referenced.
 * `at(i)` and iteration build the one-at-a-time PacketIn objects.
 */
import { constants, type NativePacketInBatch } from './native.js';
import type { PacketIn } from './types.js';

const FIELDS = constants.packetInFields;
const STRIDE = FIELDS.length;
const field = (name: (typeof FIELDS)[number]): number => FIELDS.indexOf(name);
const IN_PORT = field('inPort');
const REASON = field('reason');
const TABLE = field('tableId');
const TOTAL_LEN = field('totalLen');
const OFFSET = field('offset');
const LENGTH = field('length');
const COOKIE_LO = field('cookieLo');
const COOKIE_HI = field('cookieHi');

export class PacketInBatch implements Iterable<PacketIn> {
  /** How many packets the batch holds. */
  readonly length: number;
  /** Every packet's data, back to back (frame(i) is a view into it). */
  readonly data: Buffer;
  private readonly records: Uint32Array;

  constructor(native: NativePacketInBatch) {
    this.length = native.count;
    this.records = native.records;
    this.data = native.data;
  }

  /** The OpenFlow port packet i came in on. */
  inPort(i: number): number {
    return this.records[i * STRIDE + IN_PORT]!;
  }

  reason(i: number): PacketIn['reason'] {
    return constants.packetInReasons[this.records[i * STRIDE + REASON]!] ?? 'action';
  }

  tableId(i: number): number {
    return this.records[i * STRIDE + TABLE]!;
  }

  cookie(i: number): bigint {
    const r = i * STRIDE;
    return (BigInt(this.records[r + COOKIE_HI]!) << 32n) | BigInt(this.records[r + COOKIE_LO]!);
  }

  /** The frame's full length; frame(i) may be cut to the action's max_len. */
  totalLen(i: number): number {
    return this.records[i * STRIDE + TOTAL_LEN]!;
  }

  /** Where packet i's data starts in `data`, and how long it is. */
  offset(i: number): number {
    return this.records[i * STRIDE + OFFSET]!;
  }

  frameLength(i: number): number {
    return this.records[i * STRIDE + LENGTH]!;
  }

  /** Packet i's data: a view into `data`, not a copy. */
  frame(i: number): Buffer {
    // Buffer.from(arrayBuffer, …) makes the view several times faster than subarray.
    return Buffer.from(this.data.buffer, this.data.byteOffset + this.records[i * STRIDE + OFFSET]!, this.records[i * STRIDE + LENGTH]!);
  }

  /** Packet i as a PacketIn object (its data a view into the batch). */
  at(i: number): PacketIn {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`packet ${i} is not in a batch of ${this.length}`);
    return {
      inPort: this.inPort(i),
      reason: this.reason(i),
      tableId: this.tableId(i),
      cookie: this.cookie(i),
      totalLen: this.totalLen(i),
      data: this.frame(i),
    };
  }

  *[Symbol.iterator](): Iterator<PacketIn> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}
