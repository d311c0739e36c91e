// rtt: round-trip time of ICMP echo from host a to host b through the switch, 200
// requests 10 ms apart (an idle path: this is latency, not latency under load).
import { parsePing } from '../test/lab/index.js';
import { median, quantile, type Scenario } from './scenario.js';

const COUNT = 200;
const INTERVAL_S = 0.01;

export const rtt: Scenario = {
  name: 'rtt',
  metrics: [
    { name: 'median', unit: 'µs', digits: 1 },
    { name: 'p99', unit: 'µs', digits: 1 },
    { name: 'loss', unit: '%', digits: 1 },
  ],
  tools: [{ command: 'ping', pkg: 'iputils-ping' }],

  async run(topo) {
    const cmd = ['ping', '-n', '-c', String(COUNT), '-i', String(INTERVAL_S), '-W', '1', topo.ipB];
    const r = await topo.exec(topo.hostA, cmd, 30_000);
    const p = parsePing(r.stdout, r.code ?? -1);
    if (p.rtts.length === 0) throw new Error(`no echo replies (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
    const us = p.rtts.map((ms) => ms * 1000);
    return {
      median: median(us),
      p99: quantile(us, 0.99),
      loss: p.transmitted > 0 ? (100 * (p.transmitted - p.received)) / p.transmitted : NaN,
    };
  },
};
