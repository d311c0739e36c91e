// memory-per-rule's nodeswitch side, in a process of its own (a fresh heap: a
// process that ran other scenarios reuses what they freed, and the growth it shows
// is too small). Usage: node --expose-gc dist/bench/memory-per-rule-child.js N
// Adds N distinct rules (flow-mod-rate's file) to a bridge with mem ports through
// Bridge.addFlows, and prints one JSON line: RSS and JS heap before and after, each
// after a full GC. The file's text stays referenced to the end, so its own memory
// is in both figures and not in the growth.
import { flowModText } from './flow-mod-rate.js';
import { memBridge, newSwitch } from './mem-bridges.js';
import { collect } from './workload.js';

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`usage: memory-per-rule-child.js RULES (got ${process.argv[2]})`);
  const text = flowModText(n);
  const sw = await newSwitch();
  try {
    const br = await memBridge(sw, `nsmem${process.pid % 100000}`);
    collect();
    collect();
    const before = process.memoryUsage();
    const t0 = performance.now();
    await br.addFlows(text);
    const addMs = performance.now() - t0;
    collect();
    // Let the allocator and V8 hand back what they release lazily.
    await new Promise((r) => setTimeout(r, 500));
    collect();
    const after = process.memoryUsage();
    if (br.flows.list().length !== n) throw new Error(`the table holds ${br.flows.list().length} flows, not ${n}`);
    process.stdout.write(
      JSON.stringify({ rules: n, textLength: text.length, rssBefore: before.rss, rssAfter: after.rss, heapBefore: before.heapUsed, heapAfter: after.heapUsed, addMs }) + '\n',
    );
  } finally {
    await sw.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
