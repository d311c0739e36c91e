// A passive OpenFlow listener: ptcp:PORT:IP (set-listen; loopback unless the user
// names another address) or punix:PATH (set-listen, and every bridge's BR.mgmt).
// Each accepted socket is handed to the hub, which makes it an OfConnection.
//
// A unix socket file is root's alone (mode 0600: whoever can connect can change the
// switch), a stale one (left by a daemon that died) is replaced, one something still
// answers on is refused, and the file is removed when the listener closes.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { NodeswitchError } from '../../errors.js';
import type { PassiveTarget } from './targets.js';

export interface ListenerStatus {
  target: string;
  /** Clients connected now. */
  connections: number;
  /** Set when it could not listen (after a restart, say, with the port taken). */
  error?: string;
}

async function unixState(path: string): Promise<'none' | 'live' | 'stale'> {
  try {
    if (!lstatSync(path).isSocket()) throw new NodeswitchError(`${path} exists and is not a socket; refusing to replace it`, 'target');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve('live')));
    s.once('error', () => resolve('stale'));
  });
}

export class PassiveListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  error: string | undefined;

  constructor(
    readonly target: PassiveTarget,
    readonly text: string,
    private readonly accept: (socket: Socket, label: string) => void,
  ) {}

  /** Listens; throws a NodeswitchError naming the target when it cannot. */
  async listen(): Promise<void> {
    const t = this.target;
    if (t.kind === 'punix') {
      const state = await unixState(t.path);
      if (state === 'live') throw new NodeswitchError(`${this.text}: something already listens on ${t.path}`, 'target');
      if (state === 'stale') unlinkSync(t.path);
    }
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      const peer = t.kind === 'ptcp' ? `${socket.remoteAddress}:${socket.remotePort}` : 'a client';
      this.accept(socket, `${this.text} (${peer})`);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        if (t.kind === 'ptcp') server.listen({ host: t.host, port: t.port, exclusive: true }, resolve);
        else server.listen(t.path, resolve);
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EADDRNOTAVAIL' ? 'no interface has that address' : e.code === 'EACCES' ? 'permission denied' : e.message;
      this.error = why;
      throw new NodeswitchError(`cannot listen on ${this.text}: ${why}`, 'target');
    }
    if (t.kind === 'punix') chmodSync(t.path, 0o600);
    server.on('error', () => undefined);
    this.server = server;
    this.error = undefined;
  }

  get connections(): number {
    return this.sockets.size;
  }

  status(): ListenerStatus {
    return { target: this.text, connections: this.sockets.size, ...(this.error !== undefined && { error: this.error }) };
  }

  /** Stops listening and drops its clients. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.target.kind === 'punix') {
      try {
        unlinkSync(this.target.path);
      } catch {
        // server.close() removed it already.
      }
    }
  }
}
