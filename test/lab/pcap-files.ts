// Writers for test capture files, independent of the C++ code under test: classic
// pcap (either byte order, µs or ns) and pcapng built block by block, so a test can
// place a corruption at a known byte offset.
import { ETH_EXPERIMENTAL, ethernet } from '../../src/packet/frame-builder.js';

export type ByteOrder = 'le' | 'be';

/** A little writer over a growing buffer in one byte order. */
class Out {
  private parts: Buffer[] = [];
  constructor(private readonly order: ByteOrder) {}
  u8(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    if (this.order === 'le') b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    if (this.order === 'le') b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    if (this.order === 'le') b.writeBigUInt64LE(BigInt.asUintN(64, v));
    else b.writeBigUInt64BE(BigInt.asUintN(64, v));
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  pad4(): this {
    const n = this.length % 4;
    if (n !== 0) this.parts.push(Buffer.alloc(4 - n));
    return this;
  }
  get length(): number {
    return this.parts.reduce((s, p) => s + p.length, 0);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

// ---- classic pcap ------------------------------------------------------------------

export interface PcapRecordSpec {
  data: Buffer;
  /** Original length; defaults to data.length (caplen is always data.length). */
  len?: number;
  tsNs: bigint;
}

export interface PcapFileSpec {
  order?: ByteOrder;
  nanosecond?: boolean;
  snaplen?: number;
  linktype?: number;
  versionMajor?: number;
}

export function pcapHeader(spec: PcapFileSpec = {}): Buffer {
  const o = new Out(spec.order ?? 'le');
  return o
    .u32(spec.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(spec.versionMajor ?? 2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(spec.snaplen ?? 65535)
    .u32(spec.linktype ?? 1)
    .done();
}

export function pcapRecord(rec: PcapRecordSpec, spec: PcapFileSpec = {}): Buffer {
  const o = new Out(spec.order ?? 'le');
  const sec = rec.tsNs / 1_000_000_000n;
  const ns = rec.tsNs % 1_000_000_000n;
  const frac = spec.nanosecond ? ns : ns / 1000n;
  return o
    .u32(Number(sec))
    .u32(Number(frac))
    .u32(rec.data.length)
    .u32(rec.len ?? rec.data.length)
    .bytes(rec.data)
    .done();
}

export function pcapFile(records: PcapRecordSpec[], spec: PcapFileSpec = {}): Buffer {
  return Buffer.concat([pcapHeader(spec), ...records.map((r) => pcapRecord(r, spec))]);
}

// ---- pcapng --------------------------------------------------------------------------

export interface NgOption {
  code: number;
  value: Buffer;
}

function options(o: Out, opts: NgOption[] | undefined): void {
  if (!opts || opts.length === 0) return;
  for (const opt of opts) {
    o.u16(opt.code).u16(opt.value.length).bytes(opt.value).pad4();
  }
  o.u16(0).u16(0); // opt_endofopt
}

/** Any block: type, body (padded to 4), total length at both ends. */
export function ngBlock(order: ByteOrder, type: number, body: Buffer, opts?: { trailer?: number }): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const total = 12 + padded.length;
  return new Out(order)
    .u32(type)
    .u32(total)
    .bytes(padded)
    .u32(opts?.trailer ?? total)
    .done();
}

export function ngShb(order: ByteOrder, opts: { versionMajor?: number } = {}): Buffer {
  const body = new Out(order)
    .u32(0x1a2b3c4d)
    .u16(opts.versionMajor ?? 1)
    .u16(0)
    .u64(-1n) // section length: unknown
    .done();
  return ngBlock(order, 0x0a0d0d0a, body);
}

export interface IdbSpec {
  linktype?: number;
  snaplen?: number;
  /** if_tsresol byte: 6 = µs (default when absent), 9 = ns, 0x80|n = 2^-n. */
  tsresol?: number;
  /** if_tsoffset, seconds. */
  tsoffset?: bigint;
  extraOptions?: NgOption[];
}

export function ngIdb(order: ByteOrder, spec: IdbSpec = {}): Buffer {
  const o = new Out(order)
    .u16(spec.linktype ?? 1)
    .u16(0)
    .u32(spec.snaplen ?? 0);
  const opts: NgOption[] = [...(spec.extraOptions ?? [])];
  if (spec.tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([spec.tsresol]) });
  if (spec.tsoffset !== undefined) opts.push({ code: 14, value: new Out(order).u64(spec.tsoffset).done() });
  options(o, opts);
  return ngBlock(order, 1, o.done());
}

export interface EpbSpec {
  iface: number;
  /** Timestamp in the interface's units. */
  ts: bigint;
  data: Buffer;
  len?: number;
  /** Override the captured length field (to corrupt it). */
  caplen?: number;
  options?: NgOption[];
}

export function ngEpb(order: ByteOrder, spec: EpbSpec): Buffer {
  const o = new Out(order)
    .u32(spec.iface)
    .u32(Number(spec.ts >> 32n))
    .u32(Number(spec.ts & 0xffffffffn))
    .u32(spec.caplen ?? spec.data.length)
    .u32(spec.len ?? spec.data.length)
    .bytes(spec.data)
    .pad4();
  options(o, spec.options);
  return ngBlock(order, 6, o.done());
}

/** Simple Packet Block: `data` is what is stored; `len` the original length. */
export function ngSpb(order: ByteOrder, data: Buffer, len?: number): Buffer {
  return ngBlock(order, 3, new Out(order).u32(len ?? data.length).bytes(data).done());
}

/** Obsolete Packet Block (type 2). */
export function ngPb(order: ByteOrder, spec: EpbSpec): Buffer {
  const o = new Out(order)
    .u16(spec.iface)
    .u16(0)
    .u32(Number(spec.ts >> 32n))
    .u32(Number(spec.ts & 0xffffffffn))
    .u32(spec.caplen ?? spec.data.length)
    .u32(spec.len ?? spec.data.length)
    .bytes(spec.data);
  return ngBlock(order, 2, o.done());
}

/** Blocks the reader must skip: Name Resolution, Interface Statistics, custom. */
export function ngNrb(order: ByteOrder): Buffer {
  // One IPv4 record (type 1): 10.0.0.1 "host", then nrb_record_end.
  const rec = Buffer.concat([Buffer.from([10, 0, 0, 1]), Buffer.from('host\0')]);
  const o = new Out(order).u16(1).u16(rec.length).bytes(rec).pad4().u16(0).u16(0);
  return ngBlock(order, 4, o.done());
}

export function ngIsb(order: ByteOrder, iface: number): Buffer {
  const o = new Out(order).u32(iface).u32(0).u32(0);
  options(o, [{ code: 4, value: new Out(order).u64(123n).done() }]); // isb_ifrecv
  return ngBlock(order, 5, o.done());
}

export function ngCustom(order: ByteOrder): Buffer {
  // Custom block that may be copied (0x00000BAD): PEN, then anything.
  return ngBlock(order, 0x00000bad, new Out(order).u32(32473).bytes(Buffer.from('opaque stuff')).done());
}

/** Blocks laid end to end, with the byte offset where each one starts. */
export function layout(blocks: Buffer[]): { file: Buffer; offsets: number[] } {
  const offsets: number[] = [];
  let at = 0;
  for (const b of blocks) {
    offsets.push(at);
    at += b.length;
  }
  return { file: Buffer.concat(blocks), offsets };
}

/** A recognisable Ethernet frame of `size` bytes (≥ 14): byte i of the payload is `seed + i`. */
export function testFrame(size: number, seed: number): Buffer {
  const payload = Buffer.alloc(size - 14);
  for (let i = 0; i < payload.length; i++) payload[i] = (seed + 14 + i) & 0xff;
  return ethernet({ pad: false }, ETH_EXPERIMENTAL, payload);
}
