// Builders for test frames: just enough Ethernet/802.1Q to drive the switch.

export function mac(text: string): Buffer {
  return Buffer.from(text.replace(/:/g, ''), 'hex');
}

/** A minimal Ethernet frame (60 bytes, ethertype 0x88b5: local experimental). */
export function ethFrame(dst: string, src: string, opts: { vlan?: number; payload?: Buffer } = {}): Buffer {
  const parts = [mac(dst), mac(src)];
  if (opts.vlan !== undefined) {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(0x8100, 0);
    tag.writeUInt16BE(opts.vlan & 0x0fff, 2);
    parts.push(tag);
  }
  const type = Buffer.alloc(2);
  type.writeUInt16BE(0x88b5, 0);
  parts.push(type, opts.payload ?? Buffer.alloc(46));
  return Buffer.concat(parts);
}

/** A deterministic PRNG (mulberry32), so random tests replay exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
