/**
 * Compiled flows → one flow batch (native/dp/flow_batch.h): the form flow-mods take
 * to the datapath, one Buffer for thousands of flows instead of an object per field.
 * The record layout (offsets, sizes, flag bits) is read from the addon's constants,
 * so this file and the C++ decoder cannot drift apart.
 *
 * encodeFlowBatch is a plain function (NativeFlow[] → Buffer), for every caller that
 * installs or modifies flows: the flow table, a controller's batched flow-mods.
 */
import { constants, type NativeAction, type NativeFlow } from '../native.js';

const L = constants.flowBatch;
const H = L.header;
const A = L.action;
const KEY_SIZE = constants.flowKeySize;

/** The FlowKey words (L.wordSize bytes each) whose mask has a bit set, as a bitmap. */
function wordMapOf(mask: Buffer): number {
  let map = 0;
  for (let w = 0; w < L.words; w++) {
    const end = Math.min(KEY_SIZE, (w + 1) * L.wordSize);
    for (let i = w * L.wordSize; i < end; i++) {
      if (mask[i] !== 0) {
        map |= 1 << w;
        break;
      }
    }
  }
  return map >>> 0;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

function recordSize(f: NativeFlow, words: number): number {
  return L.headerSize + words * 2 * L.wordSize + (f.apply.length + f.write.length) * L.actionSize;
}

function putAction(buf: Buffer, at: number, a: NativeAction): void {
  buf[at + A.code[0]] = a.code;
  // The buffers are zeroed (Buffer.alloc): only what is set is written (BigInt writes are slow).
  if (a.port) buf.writeUInt32LE(a.port, at + A.port[0]);
  if (a.u32) buf.writeUInt32LE(a.u32, at + A.u32[0]);
  if (a.u64) buf.writeBigUInt64LE(a.u64, at + A.u64[0]);
  if (a.u64b) buf.writeBigUInt64LE(a.u64b, at + A.u64b[0]);
  if (a.bytes) {
    if (a.bytes.length > A.bytes[1]) throw new Error(`action bytes: at most ${A.bytes[1]}, got ${a.bytes.length}`);
    a.bytes.copy(buf, at + A.bytes[0]);
  }
}

/** One Buffer holding every flow of `flows`, in order (what installFlows and setFlowActions take). */
export function encodeFlowBatch(flows: readonly NativeFlow[]): Buffer {
  const maps = new Array<number>(flows.length);
  let size = 0;
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!;
    checkFlow(f);
    maps[i] = wordMapOf(f.mask);
    size += recordSize(f, popcount(maps[i]!));
  }
  const buf = Buffer.alloc(size);
  let at = 0;
  for (let i = 0; i < flows.length; i++) at = encodeRecord(buf, at, flows[i]!, maps[i]!);
  return buf;
}

function checkFlow(f: NativeFlow): void {
  if (f.key.length !== KEY_SIZE || f.mask.length !== KEY_SIZE) throw new Error(`flow ${f.id}: key and mask are ${KEY_SIZE} bytes`);
  if (f.apply.length > 255 || f.write.length > 255) throw new Error(`flow ${f.id}: at most 255 actions per list`);
}

/** Writes f's record at `at` (its word map given); returns where the next one starts. */
function encodeRecord(buf: Buffer, at: number, f: NativeFlow, map: number): number {
  const words = popcount(map);
  buf.writeUInt32LE(f.id, at + H.id[0]);
  buf.writeUInt16LE(f.priority, at + H.priority[0]);
  buf[at + H.table[0]] = f.table;
  let flags = 0;
  if (f.clearActions) flags |= L.flags.clearActions;
  if (f.writeMetadata) {
    flags |= L.flags.writeMetadata;
    buf.writeBigUInt64LE(f.writeMetadata.value, at + H.metadataValue[0]);
    buf.writeBigUInt64LE(f.writeMetadata.mask, at + H.metadataMask[0]);
  }
  if (f.gotoTable !== undefined) {
    flags |= L.flags.gotoTable;
    buf[at + H.gotoTable[0]] = f.gotoTable;
  }
  buf[at + H.flags[0]] = flags;
  buf[at + H.nApply[0]] = f.apply.length;
  buf[at + H.nWrite[0]] = f.write.length;
  buf[at + H.nWords[0]] = words;
  buf.writeUInt32LE(map, at + H.wordMap[0]);
  if (f.cookie) buf.writeBigUInt64LE(f.cookie, at + H.cookie[0]);
  at += L.headerSize;
  for (let w = 0; w < L.words; w++) {
    if (!(map & (1 << w))) continue;
    const from = w * L.wordSize;
    const to = Math.min(KEY_SIZE, from + L.wordSize);
    // A few bytes: a loop beats Buffer.copy's call overhead.
    for (let i = from; i < to; i++) {
      buf[at + i - from] = f.key[i]!;
      buf[at + L.wordSize + i - from] = f.mask[i]!;
    }
    at += 2 * L.wordSize;
  }
  for (const a of f.apply) {
    putAction(buf, at, a);
    at += L.actionSize;
  }
  for (const a of f.write) {
    putAction(buf, at, a);
    at += L.actionSize;
  }
  return at;
}

// The chunks a FlowBatchWriter fills: big enough that a 1M-flow batch is a few hundred.
const CHUNK_BYTES = 1 << 20;
const FIRST_CHUNK_BYTES = 1 << 10;

/**
 * A flow batch built one flow at a time (add-flows of a big file: each flow is
 * encoded as it is parsed, so no array of every compiled flow is kept). Records go
 * into chunks of 1 KiB doubling up to 1 MiB; finish() makes the batch, leaving out the flows it is told to.
 */
export class FlowBatchWriter {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.alloc(0);
  private used = 0;
  // How much of each chunk but the last is used.
  private readonly fills: number[] = [];
  // Each record's chunk and where in it it starts and ends (a record never spans chunks).
  private starts = new Uint32Array(16);
  private ends = new Uint32Array(16);
  private chunkOf = new Uint32Array(16);
  count = 0;
  bytes = 0;

  /** Appends f's record (f's key and mask may be reused once this returns). */
  push(f: NativeFlow): void {
    checkFlow(f);
    const map = wordMapOf(f.mask);
    const size = recordSize(f, popcount(map));
    if (this.used + size > this.chunk.length) {
      if (this.chunks.length) this.fills.push(this.used);
      // Small first (one add-flow is one small batch), doubling up to CHUNK_BYTES.
      this.chunk = Buffer.alloc(Math.max(size, Math.min(CHUNK_BYTES, FIRST_CHUNK_BYTES << this.chunks.length)));
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = this.used;
    this.used = encodeRecord(this.chunk, this.used, f, map);
    this.ends[this.count] = this.used;
    this.chunkOf[this.count] = this.chunks.length - 1;
    this.count++;
    this.bytes += size;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    for (const k of ['starts', 'ends', 'chunkOf'] as const) {
      const next = new Uint32Array(n);
      next.set(this[k]);
      this[k] = next;
    }
  }

  /** One Buffer with every record pushed but those whose index `skip` holds, in order. */
  finish(skip?: ReadonlySet<number>): Buffer {
    if (!skip?.size) {
      const filled = this.chunks.map((c, i) => c.subarray(0, i === this.chunks.length - 1 ? this.used : this.fills[i]));
      return filled.length === 1 ? filled[0]! : Buffer.concat(filled, this.bytes);
    }
    const out = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      if (skip.has(i)) continue;
      at += this.chunks[this.chunkOf[i]!]!.copy(out, at, this.starts[i]!, this.ends[i]!);
    }
    return out.subarray(0, at);
  }
}
