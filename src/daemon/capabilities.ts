// The daemon opens AF_PACKET sockets, creates TAP devices and sets promiscuous mode:
// all need CAP_NET_ADMIN (bit 12 of the effective set). Checking up front gives one
// clear message instead of an EPERM from the first port.
import { readFileSync } from 'node:fs';
import { NodeswitchError } from '../errors.js';

const CAP_NET_ADMIN = 12n;

/** Whether a /proc/<pid>/status text has CAP_NET_ADMIN in CapEff. */
export function hasNetAdmin(status: string): boolean {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  if (!m) return false;
  return ((BigInt(`0x${m[1]}`) >> CAP_NET_ADMIN) & 1n) === 1n;
}

export function requireNetAdmin(statusPath = '/proc/self/status'): void {
  let status: string;
  try {
    status = readFileSync(statusPath, 'utf8');
  } catch (err) {
    throw new NodeswitchError(`cannot check privileges (${(err as Error).message}); the daemon needs CAP_NET_ADMIN`);
  }
  if (!hasNetAdmin(status)) {
    throw new NodeswitchError(
      'the daemon needs CAP_NET_ADMIN to open ports and create TAP devices: run it as root ' +
        '(or grant the capability, e.g. setcap cap_net_admin+ep on node)',
    );
  }
}
