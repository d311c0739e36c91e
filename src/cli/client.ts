// The CLI's side of the management socket: a connection that sends requests and
// reads their answers in order (the daemon answers one connection's requests in the
// order they came). Most verbs make one request on a connection of their own
// (call()); capture keeps one connection for its whole run, because the daemon ends a
// client's live jobs when that client's connection closes.
//
// Every answer is waited for at most `timeoutMs` (--timeout SECS; 0: for ever), so a
// daemon that was stopped (SIGSTOP) or is stuck is reported instead of hanging a script.
import { connect, type Socket } from 'node:net';
import { NodeswitchError } from '../errors.js';
import { checkSocketPath } from '../daemon/paths.js';
import type { Args, Progress, ProgressLine, Response, Verb } from '../daemon/protocol.js';

/** Seconds an answer is waited for unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** The daemon is not there: no socket file, or nothing listening on it. */
export class DaemonUnreachable extends NodeswitchError {
  constructor(readonly path: string) {
    super(`cannot reach the daemon at ${path}: is it running? (start it with "nodeswitch daemon")`, 'sock');
    this.name = 'DaemonUnreachable';
  }
}

/** The daemon took longer than --timeout to answer. */
export class DaemonTimeout extends NodeswitchError {
  constructor(
    readonly path: string,
    readonly seconds: number,
  ) {
    super(
      `the daemon at ${path} did not answer within ${seconds} s (--timeout ${seconds}): it may be stopped, stuck or overloaded`,
      'timeout',
    );
    this.name = 'DaemonTimeout';
  }
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR']);

interface Pending {
  id: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** Restarts the answer's timeout: progress shows the daemon is working on it. */
  rearm(): void;
  onProgress?: (p: Progress) => void;
}

/** What a request may carry besides its args. */
export interface RequestExtras {
  /** Raw bytes sent after the request line, as args[arg] (protocol.ts: no size cap). */
  body?: { arg: string; data: Buffer };
  /** Progress lines for this request (ask for them with args.progress). */
  onProgress?: (p: Progress) => void;
}

export class DaemonConnection {
  private readonly socket: Socket;
  /** Chunks of an answer line whose end has not come yet. */
  private parts: string[] = [];
  private nextId = 1;
  private readonly pending: Pending[] = [];
  /** Set once the connection is unusable: every later request fails with it. */
  private broken: Error | undefined;

  constructor(
    readonly sock: string,
    /** Per answer; 0: wait for ever. */
    readonly timeoutMs = DEFAULT_TIMEOUT_SECONDS * 1000,
  ) {
    checkSocketPath(sock);
    this.socket = connect(sock);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => this.onData(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(this.describe(err)));
    this.socket.on('close', () =>
      this.fail(new NodeswitchError(`the daemon at ${sock} closed the connection without answering`, 'sock')),
    );
  }

  /**
   * Sends one verb; resolves with its result, rejects with the daemon's error.
   * `deadlineMs` overrides the connection's timeout for this answer (a long poll's
   * own wait plus it); a miss is still reported in --timeout's terms.
   */
  request(verb: Verb, args: Args, deadlineMs = this.timeoutMs, extras: RequestExtras = {}): Promise<unknown> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const p: Pending = { id, resolve, reject, timer: undefined, rearm: () => undefined, onProgress: extras.onProgress };
      if (deadlineMs > 0) {
        const seconds = Math.round((this.timeoutMs || deadlineMs) / 100) / 10;
        p.rearm = () => {
          if (p.timer) clearTimeout(p.timer);
          p.timer = setTimeout(() => this.fail(new DaemonTimeout(this.sock, seconds)), deadlineMs);
        };
        p.rearm();
      }
      this.pending.push(p);
      const { body } = extras;
      const line = JSON.stringify(body ? { id, verb, args, body: { arg: body.arg, bytes: body.data.length } } : { id, verb, args });
      this.socket.write(line + '\n');
      // The timeout counts from the last byte sent: a big body takes its time to go.
      if (body) this.socket.write(body.data, () => p.rearm());
    });
  }

  /** Closes the connection; whatever is still waiting fails. */
  close(): void {
    this.fail(new NodeswitchError('the connection to the daemon was closed', 'sock'));
  }

  private onData(chunk: string): void {
    // An answer of many MB comes in many chunks: look for its end in the new chunk only.
    this.parts.push(chunk);
    if (!chunk.includes('\n')) return;
    let buffered = this.parts.join('');
    this.parts = [];
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() === '') continue;
      let res: Response | ProgressLine;
      try {
        res = JSON.parse(line) as Response | ProgressLine;
      } catch {
        this.fail(new NodeswitchError(`the daemon at ${this.sock} sent an answer that is not JSON`, 'sock'));
        return;
      }
      if ('progress' in res) {
        // About the oldest request still waiting (answers come in order).
        const p = this.pending[0];
        p?.rearm();
        p?.onProgress?.(res.progress);
        continue;
      }
      const p = this.pending.shift();
      if (!p) continue; // an answer to nothing: ignore
      if (p.timer) clearTimeout(p.timer);
      if (res.ok) p.resolve(res.result);
      else p.reject(new NodeswitchError(res.error.message, res.error.argument));
    }
    if (buffered) this.parts.push(buffered);
  }

  private fail(err: Error): void {
    if (!this.broken) this.broken = err;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(this.broken);
    }
  }

  private describe(err: NodeJS.ErrnoException): Error {
    if (UNREACHABLE.has(err.code ?? '')) return new DaemonUnreachable(this.sock);
    if (err.code === 'EACCES') return new NodeswitchError(`permission denied on ${this.sock}: the daemon's socket is for root`, 'sock');
    return new NodeswitchError(`talking to the daemon at ${this.sock}: ${err.message}`, 'sock');
  }
}

/** One request on a connection of its own. */
export async function call(
  sock: string,
  verb: Verb,
  args: Args,
  timeoutMs = DEFAULT_TIMEOUT_SECONDS * 1000,
  extras: RequestExtras = {},
): Promise<unknown> {
  const conn = new DaemonConnection(sock, timeoutMs);
  try {
    return await conn.request(verb, args, timeoutMs, extras);
  } finally {
    conn.close();
  }
}
