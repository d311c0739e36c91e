export * from './exec.js';
export * from './iperf.js';
export * from './lab.js';
export * from './ping.js';
export * from './prng.js';
