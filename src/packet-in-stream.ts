/**
 * `for await (const batch of bridge.packetIns())`: a bridge's packet-in batches as
 * an async iterator. Batches wait in a queue bounded by packets (a controller that
 * falls behind loses the newest batches, counted in `dropped`, as the datapath's own
 * upcall queue does), and the iterator stops listening when the loop ends (break,
 * return, throw) or the bridge closes.
 */
import type { EventEmitter } from 'node:events';
import type { PacketInBatch } from './packet-in-batch.js';

export interface PacketInStreamOptions {
  /** Packets that may wait for the loop before new batches are dropped (default 65536). */
  maxQueued?: number;
}

export class PacketInStream implements AsyncIterableIterator<PacketInBatch> {
  /** Packets dropped because the queue was full. */
  dropped = 0;
  private readonly queue: PacketInBatch[] = [];
  private queued = 0;
  private waiting: ((r: IteratorResult<PacketInBatch>) => void) | undefined;
  private done = false;
  private readonly maxQueued: number;
  private readonly onBatch = (batch: PacketInBatch): void => {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: batch, done: false });
      return;
    }
    if (this.queued + batch.length > this.maxQueued) {
      this.dropped += batch.length;
      return;
    }
    this.queue.push(batch);
    this.queued += batch.length;
  };
  private readonly onClose = (): void => void this.return();

  constructor(
    private readonly source: EventEmitter,
    opts: PacketInStreamOptions = {},
  ) {
    this.maxQueued = opts.maxQueued ?? 65536;
    source.on('packetIns', this.onBatch);
    source.once('closed', this.onClose);
  }

  next(): Promise<IteratorResult<PacketInBatch>> {
    const batch = this.queue.shift();
    if (batch) {
      this.queued -= batch.length;
      return Promise.resolve({ value: batch, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<PacketInBatch>> {
    if (!this.done) {
      this.done = true;
      this.source.off('packetIns', this.onBatch);
      this.source.off('closed', this.onClose);
      this.queue.length = 0;
      this.queued = 0;
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve?.({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<PacketInBatch> {
    return this;
  }
}
