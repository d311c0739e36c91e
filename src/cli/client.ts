// The CLI's side of the management socket: one connection, one request, one answer.
import { connect } from 'node:net';
import { NodeswitchError } from '../errors.js';
import type { Args, Response, Verb } from '../daemon/protocol.js';

// Long enough for a datapath that is busy creating devices; short enough that a
// wedged daemon does not hang a script forever.
const DEFAULT_TIMEOUT_MS = 60_000;

/** The daemon is not there: no socket file, or nothing listening on it. */
export class DaemonUnreachable extends NodeswitchError {
  constructor(readonly path: string) {
    super(`cannot reach the daemon at ${path}: is it running? (start it with "nodeswitch daemon")`, 'sock');
    this.name = 'DaemonUnreachable';
  }
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR']);

/** Sends one verb; resolves with its result, rejects with the daemon's error. */
export function call(sock: string, verb: Verb, args: Args, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(sock);
    let buffered = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new NodeswitchError(`no answer from the daemon at ${sock} within ${timeoutMs / 1000} s`, 'sock'))),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ id: 1, verb, args }) + '\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      let res: Response;
      try {
        res = JSON.parse(buffered.slice(0, nl)) as Response;
      } catch {
        finish(() => reject(new NodeswitchError(`the daemon at ${sock} sent an answer that is not JSON`, 'sock')));
        return;
      }
      if (res.ok) finish(() => resolve(res.result));
      else finish(() => reject(new NodeswitchError(res.error.message, res.error.argument)));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (UNREACHABLE.has(err.code ?? '')) finish(() => reject(new DaemonUnreachable(sock)));
      else if (err.code === 'EACCES') {
        finish(() => reject(new NodeswitchError(`permission denied on ${sock}: the daemon's socket is for root`, 'sock')));
      } else finish(() => reject(new NodeswitchError(`talking to the daemon at ${sock}: ${err.message}`, 'sock')));
    });
    socket.on('close', () =>
      finish(() => reject(new NodeswitchError(`the daemon at ${sock} closed the connection without answering`, 'sock'))),
    );
  });
}
