// Fixtures the tests and the benchmarks share (bench/ imports them too; none of this
// is in the published package): the namespace lab, its command runner, the ping and
// iperf3 parsers, the seeded PRNG. What a test needs of the machine is in
// requirements.ts, imported on its own.
export * from './exec.js';
export * from './iperf.js';
export * from './lab.js';
export * from './ping.js';
export * from './prng.js';
