// The one seeded PRNG of the tests and the benchmarks (mulberry32), so that random
// tests replay exactly and every benchmark run measures the same rules and frames.

/** 32-bit unsigned integers, the same sequence for the same seed. */
export function prngU32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Numbers in [0, 1): the same generator, divided by 2^32. */
export function prng(seed: number): () => number {
  const next = prngU32(seed);
  return () => next() / 4294967296;
}
