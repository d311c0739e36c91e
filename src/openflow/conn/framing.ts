// OpenFlow's stream framing: every message starts with the 8-byte ofp_header whose
// 16-bit length (big-endian, at offset 2) counts the whole message, header included —
// so a message is 8 to 65535 bytes, and the header alone says where the next starts.
//
// A length below 8 cannot be followed (the next header's place is unknown): the
// framer stops and reports it, and the connection answers OFPBRC_BAD_LEN and closes,
// as Open vSwitch's vconn-stream does ("received too-short ofp_header"). Bytes are
// copied only when a message spans chunks; a message wholly inside one chunk is a
// view of it.
import { OFP_HEADER_LEN } from '../wire/index.js';

export type FrameResult = { ok: true } | { ok: false; header: Buffer; length: number };

export class MessageFramer {
  private parts: Buffer[] = [];
  private buffered = 0;
  private broken = false;

  /** Bytes held that do not yet make a whole message. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Takes a chunk of the stream; calls `onMessage` with each whole message in order.
   * Returns ok:false (and takes nothing more, ever) at a header whose length is < 8.
   */
  push(chunk: Buffer, onMessage: (msg: Buffer) => void): FrameResult {
    if (this.broken) return { ok: true };
    let buf: Buffer;
    if (this.buffered) {
      this.parts.push(chunk);
      this.buffered += chunk.length;
      // Joined only once the message they start is whole: a peer sending a byte at a time costs no more than one sending it all.
      const need = this.neededLength();
      if (need === undefined || this.buffered < need) return { ok: true };
      buf = Buffer.concat(this.parts, this.buffered);
      this.parts = [];
      this.buffered = 0;
    } else {
      buf = chunk;
    }
    let at = 0;
    while (buf.length - at >= OFP_HEADER_LEN) {
      const length = buf.readUInt16BE(at + 2);
      if (length < OFP_HEADER_LEN) {
        this.broken = true;
        return { ok: false, header: Buffer.from(buf.subarray(at, at + OFP_HEADER_LEN)), length };
      }
      if (buf.length - at < length) break;
      onMessage(buf.subarray(at, at + length));
      at += length;
    }
    if (at < buf.length) {
      // The part of a message left in the chunk: a copy, so that a large chunk is not held for it.
      const rest = Buffer.from(buf.subarray(at));
      this.parts.push(rest);
      this.buffered = rest.length;
    }
    return { ok: true };
  }

  /** The held message's length once its header is here (a length below 8 as it is: push's loop refuses it). */
  private neededLength(): number | undefined {
    if (this.buffered < OFP_HEADER_LEN) return undefined;
    let at = 0;
    const header = Buffer.alloc(4);
    for (const p of this.parts) {
      const n = p.copy(header, at, 0, Math.min(p.length, 4 - at));
      at += n;
      if (at === 4) break;
    }
    return header.readUInt16BE(2);
  }
}
