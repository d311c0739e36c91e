// A bare OpenFlow 1.3 client for the connection tests: HELLO, then messages as they
// come (our codec on both ends; what the switch does with roles, async config, a
// client that stops reading is what these tests look at — interop with real
// controllers is os-ken's and ovs-testcontroller's tests).
import { connect, type Socket } from 'node:net';
import { MessageFramer } from '../../src/openflow/conn/framing.js';
import { decodeMessage, encodeMessage, type OfMessage } from '../../src/openflow/wire/index.js';

export class RawOfClient {
  readonly received: OfMessage[] = [];
  private waiters: { pred: (m: OfMessage) => boolean; resolve: (m: OfMessage) => void }[] = [];
  private readonly framer = new MessageFramer();
  private nextXid = 1;
  /** Resolves when the switch closed the connection (or it broke). */
  readonly closed: Promise<void>;
  isClosed = false;
  /** Answer the switch's ECHO_REQUESTs (its inactivity probe) by itself. */
  answerEchoes = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) =>
      this.framer.push(chunk, (buf) => {
        const m = decodeMessage(Buffer.from(buf));
        if (this.answerEchoes && m.type === 'echo_request') {
          this.send({ type: 'echo_reply', xid: m.xid, data: m.data });
          return;
        }
        const w = this.waiters.find((x) => x.pred(m));
        if (w) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(m);
        } else {
          this.received.push(m);
        }
      }),
    );
    this.closed = new Promise((resolve) => socket.once('close', () => ((this.isClosed = true), resolve())));
    socket.on('error', () => undefined);
  }

  /** Connects (TCP port on loopback, or a unix path) and exchanges HELLO. */
  static async connect(to: number | string, opts: { hello?: Buffer } = {}): Promise<RawOfClient> {
    const socket = typeof to === 'number' ? connect({ host: '127.0.0.1', port: to }) : connect(to);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return RawOfClient.over(socket, opts);
  }

  /** HELLO over a socket already connected (a controller's side of the switch's connection). */
  static async over(socket: Socket, opts: { hello?: Buffer } = {}): Promise<RawOfClient> {
    const c = new RawOfClient(socket);
    socket.write(opts.hello ?? encodeMessage({ type: 'hello', xid: 0, version: 4, versions: [4] }));
    await c.next((m) => m.type === 'hello');
    return c;
  }

  send(msg: OfMessage): void {
    this.socket.write(encodeMessage(msg));
  }

  xid(): number {
    return this.nextXid++;
  }

  /** The next message (already received or to come) that `pred` takes. */
  next(pred: (m: OfMessage) => boolean = () => true, timeoutMs = 5000): Promise<OfMessage> {
    const i = this.received.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x.resolve !== done);
        reject(new Error(`no matching OpenFlow message within ${timeoutMs} ms (got: ${this.received.map((m) => m.type).join(', ') || 'nothing'})`));
      }, timeoutMs);
      const done = (m: OfMessage): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  /** Sends `msg` with a fresh xid; resolves with the first message carrying that xid. */
  async request(msg: OfMessage, timeoutMs = 5000): Promise<OfMessage> {
    const xid = this.xid();
    this.send({ ...msg, xid } as OfMessage);
    return this.next((m) => m.xid === xid, timeoutMs);
  }

  /** Stops reading the socket: what the switch sends piles up (the kernel's buffers, then the switch's queue). */
  stopReading(): void {
    this.socket.pause();
  }

  close(): void {
    this.socket.destroy();
  }
}
