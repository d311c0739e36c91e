// tcp: one iperf3 TCP stream from host a to host b for 5 s, offloads left as the
// kernel sets them on veths (TSO/GSO and checksum offload on), so that large
// segments and partial checksums cross the switch as they would from a VM.
import { parseIperf, sleep } from '../test/lab/index.js';
import type { Scenario } from './scenario.js';

const SECONDS = 5;
// The namespaces are the bench's own, so the well-known port cannot collide.
const PORT = '5201';

export const tcp: Scenario = {
  name: 'tcp',
  metrics: [
    { name: 'throughput', unit: 'Gbit/s', digits: 2 },
    { name: 'retransmits', unit: 'segments', digits: 0 },
  ],
  tools: [{ command: 'iperf3', pkg: 'iperf3' }],

  async run(topo) {
    const server = topo.spawn(topo.hostB, ['iperf3', '-s', '-1', '--forceflush', '-B', topo.ipB, '-p', PORT]);
    try {
      const deadline = Date.now() + 5000;
      while (!/listening/i.test(server.stdout())) {
        if (!server.running()) throw new Error(`iperf3 server exited: ${(server.stderr() || server.stdout()).trim()}`);
        if (Date.now() > deadline) throw new Error('iperf3 server did not start listening within 5 s');
        await sleep(20);
      }
      const client = ['iperf3', '-c', topo.ipB, '-p', PORT, '-t', String(SECONDS), '--json', '--connect-timeout', '3000'];
      const r = await topo.exec(topo.hostA, client, (SECONDS + 20) * 1000);
      if (r.timedOut) throw new Error(`iperf3 client did not finish within ${SECONDS + 20} s`);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(r.stdout) as Record<string, unknown>;
      } catch {
        throw new Error(`iperf3 client gave no JSON (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
      }
      if (typeof json.error === 'string') throw new Error(`iperf3: ${json.error}`);
      const end = (json.end ?? {}) as { sum_sent?: { retransmits?: unknown } };
      const retransmits = end.sum_sent?.retransmits;
      return {
        throughput: parseIperf(json, false).bitsPerSecond / 1e9,
        retransmits: typeof retransmits === 'number' ? retransmits : NaN,
      };
    } finally {
      await server.stop('SIGKILL');
    }
  },
};
