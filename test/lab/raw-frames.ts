// A namespace host that speaks raw Ethernet: frames sent through an AF_PACKET socket
// exactly as built (802.1Q tags and all — this kernel has no 8021q module, so no VLAN
// sub-interfaces), and tcpdump -e for what arrives (it shows the tags the kernel
// moved into the packet's metadata). Python's socket module does the sending: one
// process per call, no helper binary to build.
import type { Lab, LabProcess } from './lab.js';
import { sleep, waitFor } from './exec.js';

const SEND = [
  'import socket, sys',
  's = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)',
  's.bind((sys.argv[1], 0))',
  'for h in sys.argv[2:]: s.send(bytes.fromhex(h))',
].join('\n');

/** Sends `frames` out of `dev` in `host`, byte for byte. */
export async function sendRawFrames(lab: Lab, host: string, dev: string, frames: Buffer[]): Promise<void> {
  await lab.exec(host, ['python3', '-c', SEND, dev, ...frames.map((f) => f.toString('hex'))]);
}

/** tcpdump -e -nn on `dev` in `host` with `filter`, started and listening. */
export async function startTcpdump(lab: Lab, host: string, dev: string, filter: string[]): Promise<LabProcess> {
  const p = lab.spawn(host, ['tcpdump', '-l', '-e', '-nn', '-i', dev, ...filter]);
  await waitFor(() => (/listening on/.test(p.stderr()) ? true : undefined), { timeoutMs: 5000, what: 'tcpdump to start' });
  return p;
}

/** Stops it after `settleMs` and returns its lines. */
export async function stopTcpdump(p: LabProcess, settleMs = 300): Promise<string[]> {
  await sleep(settleMs);
  p.kill('SIGINT');
  await p.exited;
  return p.stdout().split('\n').filter(Boolean);
}
