// Request bodies on the management socket (protocol.ts): bulk text of any size after
// the request line, then more requests on the same connection; progress lines before
// an answer reach the client's onProgress; a JSON line over the cap and a malformed
// body header are refused with a reason, and the connection ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonConnection } from '../../src/cli/client.js';
import type { Progress } from '../../src/daemon/protocol.js';
import { ManagementServer } from '../../src/daemon/server.js';

let dir: string;
let sock: string;
let server: ManagementServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ns-body-'));
  sock = join(dir, 'ns.sock');
  server = new ManagementServer(async (verb, args, _client, progress) => {
    const text = typeof args.flows === 'string' ? args.flows : '';
    if (args.progress) for (let i = 1; i <= 3; i++) progress({ phase: 'parse', done: i, total: 3 });
    return { verb, bytes: Buffer.byteLength(text), lines: text.split('\n').length, last: text.slice(-12) };
  }, () => {});
  await server.listen(sock);
});
afterEach(async () => {
  await server.close(sock);
  rmSync(dir, { recursive: true, force: true });
});

/** Raw protocol: write `data`, collect answer lines until the daemon closes. */
function raw(data: Buffer | string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const s = connect(sock);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.end(data));
    s.on('data', (d: string) => (buf += d));
    s.on('end', () => resolve(buf.split('\n').filter(Boolean).map((l) => JSON.parse(l))));
    s.on('error', reject);
  });
}

describe('request bodies', () => {
  it('carry many MB of text (UTF-8 split anywhere) and the next request follows on the same connection', async () => {
    const text = 'priority=1,ip,actions=drop # é\n'.repeat(200_000); // 6.6 MB, over the line cap
    const conn = new DaemonConnection(sock, 30_000);
    try {
      const first = conn.request('add-flows', { bridge: 'br0' }, 30_000, { body: { arg: 'flows', data: Buffer.from(text) } });
      const second = conn.request('list-br', {});
      expect(await first).toEqual({ verb: 'add-flows', bytes: Buffer.byteLength(text), lines: 200_001, last: 'actions=drop # é\n'.slice(-12) });
      expect(await second).toMatchObject({ verb: 'list-br', bytes: 0 });
    } finally {
      conn.close();
    }
  });

  it('progress lines reach onProgress before the answer', async () => {
    const seen: Progress[] = [];
    const conn = new DaemonConnection(sock, 30_000);
    try {
      const r = await conn.request('add-flows', { bridge: 'br0', progress: true }, 30_000, {
        body: { arg: 'flows', data: Buffer.from('ip,actions=drop\n') },
        onProgress: (p) => seen.push(p),
      });
      expect(r).toMatchObject({ lines: 2 });
      expect(seen).toEqual([1, 2, 3].map((done) => ({ phase: 'parse', done, total: 3 })));
    } finally {
      conn.close();
    }
  });

  it('a body that ends early applies nothing and says how much came', async () => {
    const answers = await raw('{"id":1,"verb":"add-flows","args":{"bridge":"br0"},"body":{"arg":"flows","bytes":100}}\nonly this');
    expect(answers).toEqual([{ id: 1, ok: false, error: { message: 'request body ended after 9 of 100 bytes', argument: 'body' } }]);
  });

  it('a JSON line over the cap, or a malformed body header, is refused and the connection ends', async () => {
    const long = await raw(`{"id":1,"verb":"add-flows","args":{"flows":"${'x'.repeat((1 << 20) + 10)}"}}\n`);
    expect(long).toEqual([{ id: null, ok: false, error: { message: expect.stringMatching(/request longer than 1048576 bytes/), argument: 'request' } }]);
    const bad = await raw('{"id":2,"verb":"add-flows","args":{},"body":{"arg":"flows","bytes":-1}}\n{"id":3,"verb":"list-br"}\n');
    expect(bad).toEqual([{ id: 2, ok: false, error: { message: expect.stringMatching(/body bytes must be a byte count/), argument: 'request' } }]);
  });
});
