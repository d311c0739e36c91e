// The management socket: a unix stream socket speaking newline-delimited JSON (see
// protocol.ts). Requests on one connection are answered in order; the verbs
// themselves are serialized by the controller, not here.
//
// A client may close its sending side as soon as it has sent its requests (what
// `printf … | socat - UNIX-CONNECT:…` does): every complete request is still
// answered, then the daemon closes its side. Each connection is a Client whose
// signal aborts when the client stops sending (that end, or the whole connection,
// closed — a killed CLI looks the same): the live jobs it started end with it.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { dirname } from 'node:path';
import { NodeswitchError } from '../errors.js';
import { checkSocketPath } from './paths.js';
import {
  type Args,
  type ErrorBody,
  type Progress,
  type ProgressLine,
  type Response,
  type Verb,
  bodyBytesOf,
  idOf,
  parseRequest,
} from './protocol.js';
import type { Log } from './switch-api.js';

// A request line is a few hundred bytes; a line this long is a confused or hostile
// client. Bulk text (add-flows files) comes as a body after its line, without a cap.
const MAX_LINE = 1 << 20;

/** Who sent a request: one per connection. */
export interface Client {
  readonly id: number;
  /** Aborts when the client has closed its sending side or the connection is gone. */
  readonly signal: AbortSignal;
}

/** Sends a progress line for the request being handled (before its answer). */
export type ProgressSink = (p: Progress) => void;

export type Handler = (verb: Verb, args: Args, client: Client, progress: ProgressSink) => Promise<unknown>;

/** Whether something answers on a socket path: none (no file), live, or stale (file, no listener). */
export async function probeSocket(path: string): Promise<'none' | 'live' | 'stale'> {
  try {
    if (!lstatSync(path).isSocket()) {
      throw new NodeswitchError(`${path} exists and is not a socket; refusing to replace it`, 'sock');
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve('live');
    });
    s.once('error', () => resolve('stale'));
  });
}

export class ManagementServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextClient = 1;

  constructor(
    private readonly handler: Handler,
    private readonly log: Log,
  ) {}

  /**
   * Listens on `path`. Refuses when another daemon answers there; a stale socket file
   * (left by a daemon that died) is replaced.
   */
  async listen(path: string): Promise<void> {
    checkSocketPath(path);
    const state = await probeSocket(path);
    if (state === 'live') {
      throw new NodeswitchError(`another daemon is already listening on ${path}`, 'sock');
    }
    if (state === 'stale') {
      this.log(`removing stale socket ${path}`);
      unlinkSync(path);
    }
    mkdirSync(dirname(path), { recursive: true });
    const server = createServer({ allowHalfOpen: true }, (socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // The socket changes the switch: only its owner (root) may talk to it.
    chmodSync(path, 0o600);
    server.on('error', (err) => this.log(`error: management socket: ${err.message}`));
    this.server = server;
  }

  async close(path: string): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(path);
    } catch {
      // server.close() already removed it.
    }
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const gone = new AbortController();
    const client: Client = { id: this.nextClient++, signal: gone.signal };
    // Bytes of the line being read, or of the body being read (after its request line).
    let parts: Buffer[] = [];
    let partsLength = 0;
    let bodyOf: { line: string; bytes: number } | undefined;
    // Answers go out in request order even when a later verb finishes first.
    let chain: Promise<void> = Promise.resolve();
    const take = (line: string, body?: Buffer): void => {
      if (line.trim() !== '') chain = chain.then(() => this.answer(socket, line, client, body));
    };
    const joined = (tail: Buffer): Buffer => {
      const all = parts.length ? Buffer.concat([...parts, tail]) : tail;
      parts = [];
      partsLength = 0;
      return all;
    };
    // Set when the stream cannot be followed any more (where the next request starts
    // is unknown): what comes after is dropped, the answers so far go out, then the end.
    let lost = false;
    const refuse = (id: number | string | null, message: string): void => {
      lost = true;
      parts = [];
      partsLength = 0;
      chain = chain.then(() => {
        this.send(socket, { id, ok: false, error: { message, argument: 'request' } });
        socket.end();
      });
    };
    socket.on('data', (chunk: Buffer) => {
      let at = 0;
      while (at < chunk.length && !lost) {
        if (bodyOf) {
          const want = bodyOf.bytes - partsLength;
          const piece = chunk.subarray(at, at + want);
          at += piece.length;
          if (piece.length < want) {
            parts.push(piece);
            partsLength += piece.length;
            break;
          }
          const { line } = bodyOf;
          bodyOf = undefined;
          take(line, joined(piece));
          continue;
        }
        const nl = chunk.indexOf(0x0a, at);
        if (nl < 0) {
          parts.push(chunk.subarray(at));
          partsLength += chunk.length - at;
          if (partsLength > MAX_LINE) refuse(null, `request longer than ${MAX_LINE} bytes (bulk text goes in a body: see protocol.ts)`);
          break;
        }
        if (partsLength + (nl - at) > MAX_LINE) {
          refuse(null, `request longer than ${MAX_LINE} bytes (bulk text goes in a body: see protocol.ts)`);
          break;
        }
        const line = joined(chunk.subarray(at, nl)).toString('utf8');
        at = nl + 1;
        let bytes: number;
        try {
          bytes = bodyBytesOf(line);
        } catch (err) {
          refuse(idOf(line), (err as Error).message);
          break;
        }
        if (bytes > 0) bodyOf = { line, bytes };
        else take(line); // a body of 0 bytes: answer() fills the argument with ""
      }
    });
    socket.on('end', () => {
      if (lost) {
        gone.abort();
        return;
      }
      if (bodyOf) {
        // The client stopped before sending the whole body: nothing is applied.
        const { line, bytes } = bodyOf;
        bodyOf = undefined;
        const got = partsLength;
        chain = chain.then(() =>
          this.send(socket, { id: idOf(line), ok: false, error: { message: `request body ended after ${got} of ${bytes} bytes`, argument: 'body' } }),
        );
      } else {
        // The client sent all it will: a last line without its newline is a request too.
        take(joined(Buffer.alloc(0)).toString('utf8'));
      }
      gone.abort();
      void chain.then(() => socket.end());
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      gone.abort();
      this.sockets.delete(socket);
    });
  }

  private async answer(socket: Socket, line: string, client: Client, body?: Buffer): Promise<void> {
    let response: Response;
    try {
      const req = parseRequest(line);
      try {
        if (req.body) {
          if (req.body.arg in req.args) throw new NodeswitchError(`${req.body.arg} is given both in args and as the body`, req.body.arg);
          req.args[req.body.arg] = (body ?? Buffer.alloc(0)).toString('utf8');
        }
        const progress = (p: Progress): void => this.sendLine(socket, { id: req.id, progress: p });
        response = { id: req.id, ok: true, result: await this.handler(req.verb, req.args, client, progress) };
      } catch (err) {
        response = { id: req.id, ok: false, error: this.errorBody(err, req.verb) };
      }
    } catch (err) {
      response = { id: idOf(line), ok: false, error: this.errorBody(err, 'request') };
    }
    this.send(socket, response);
  }

  private errorBody(err: unknown, verb: string): ErrorBody {
    if (err instanceof NodeswitchError) {
      return err.argument === undefined ? { message: err.message } : { message: err.message, argument: err.argument };
    }
    // Not a user error: a bug. Log the stack here, tell the client it is ours.
    this.log(`error: ${verb}: ${(err as Error)?.stack ?? String(err)}`);
    return { message: `internal error in ${verb}: ${(err as Error)?.message ?? String(err)}` };
  }

  private send(socket: Socket, response: Response): void {
    this.sendLine(socket, response);
  }

  private sendLine(socket: Socket, msg: Response | ProgressLine): void {
    if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(msg) + '\n');
  }
}
