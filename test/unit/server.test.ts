// The management socket and the CLI's client, with a stand-in handler.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonUnreachable, call } from '../../src/cli/client.js';
import { ManagementServer, probeSocket } from '../../src/daemon/server.js';
import { NodeswitchError } from '../../src/errors.js';

let dir: string;
let sock: string;
const servers: ManagementServer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ns-srv-'));
  sock = join(dir, 'run', 'ns.sock');
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close(sock);
  rmSync(dir, { recursive: true, force: true });
});

async function start(log: string[] = []): Promise<ManagementServer> {
  const server = new ManagementServer(async (verb, args) => {
    if (verb === 'list-br') return ['br0'];
    if (verb === 'add-br') throw new NodeswitchError(`bridge ${String(args.bridge)} already exists`, 'bridge');
    if (verb === 'show') throw new TypeError('oops');
    await new Promise((r) => setTimeout(r, Number(args.delay ?? 0)));
    return { verb, args };
  }, (l) => log.push(l));
  await server.listen(sock);
  servers.push(server);
  return server;
}

/** Raw protocol: send lines, collect `n` answer lines. */
function exchange(lines: string[], n: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const s = connect(sock);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(lines.join('')));
    s.on('data', (d: string) => {
      buf += d;
      const got = buf.split('\n').filter((l) => l !== '');
      if (got.length >= n) {
        s.destroy();
        resolve(got.map((l) => JSON.parse(l)));
      }
    });
    s.on('error', reject);
  });
}

describe('management socket', () => {
  it('answers verbs, passes user errors through with their argument, and hides bugs as internal errors', async () => {
    const log: string[] = [];
    await start(log);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(await call(sock, 'list-br', {})).toEqual(['br0']);
    await expect(call(sock, 'add-br', { bridge: 'br0' })).rejects.toMatchObject({ message: 'bridge br0 already exists', argument: 'bridge' });
    await expect(call(sock, 'show', {})).rejects.toThrow(/internal error in show: oops/);
    expect(log.some((l) => l.includes('TypeError: oops'))).toBe(true);
  });

  it('answers in request order on one connection, and rejects malformed requests by id', async () => {
    await start();
    const answers = await exchange(
      [
        '{"id": 1, "verb": "fdb-show", "args": {"delay": 50}}\n',
        '{"id": 2, "verb": "list-br"}\n',
        'not json\n',
        '{"id": "x", "verb": "explode", "args": {}}\n',
        '{"id": 5, "verb": "list-br", "args": [1]}\n',
      ],
      5,
    );
    expect(answers[0]).toMatchObject({ id: 1, ok: true });
    expect(answers[1]).toEqual({ id: 2, ok: true, result: ['br0'] });
    expect(answers[2]).toMatchObject({ id: null, ok: false, error: { argument: 'request', message: expect.stringMatching(/not valid JSON/) } });
    expect(answers[3]).toMatchObject({ id: 'x', ok: false, error: { argument: 'verb', message: expect.stringMatching(/unknown verb "explode"/) } });
    expect(answers[4]).toMatchObject({ id: 5, ok: false, error: { argument: 'args' } });
  });

  it('refuses to start when another daemon listens on the socket', async () => {
    await start();
    expect(await probeSocket(sock)).toBe('live');
    const second = new ManagementServer(async () => null, () => {});
    await expect(second.listen(sock)).rejects.toThrow(`another daemon is already listening on ${sock}`);
    // The first one still works.
    expect(await call(sock, 'list-br', {})).toEqual(['br0']);
  });

  it('replaces a stale socket file (nothing listening)', async () => {
    // What a daemon killed with SIGKILL leaves behind: the file, no listener.
    mkdirSync(dirname(sock), { recursive: true });
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((r) => child.stdout.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(sock)).toBe(true);
    expect(await probeSocket(sock)).toBe('stale');
    await expect(call(sock, 'list-br', {})).rejects.toBeInstanceOf(DaemonUnreachable);
    const log: string[] = [];
    await start(log);
    expect(log).toContain(`removing stale socket ${sock}`);
    expect(await call(sock, 'list-br', {})).toEqual(['br0']);
  });

  it('refuses a path that exists and is not a socket, and leaves it alone', async () => {
    sock = join(dir, 'file');
    writeFileSync(sock, 'keep me');
    const server = new ManagementServer(async () => null, () => {});
    await expect(server.listen(sock)).rejects.toThrow(/exists and is not a socket/);
    expect(statSync(sock).isFile()).toBe(true);
  });

  it('close() removes the socket; the client then reports the daemon unreachable', async () => {
    const server = await start();
    await server.close(sock);
    servers.pop();
    expect(existsSync(sock)).toBe(false);
    await expect(call(sock, 'list-br', {})).rejects.toBeInstanceOf(DaemonUnreachable);
  });
});

describe('a client that closes its sending side (issue 7, defect 6)', () => {
  /** `printf LINES | socat - UNIX-CONNECT:sock`: socat half-closes once its input ends. */
  function socat(input: string): Promise<string> {
    return new Promise((resolve, reject) => {
      // -t 5: after its input ended, socat waits that long for the other side (default 0.5 s).
      const child = spawn('socat', ['-t', '5', '-', `UNIX-CONNECT:${sock}`], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.once('error', reject);
      child.once('close', () => resolve(out));
      child.stdin.end(input);
    });
  }

  it('answers every complete request, then closes', async () => {
    const applied: string[] = [];
    const server = new ManagementServer(async (verb, args) => {
      await new Promise((r) => setTimeout(r, 200)); // still working when the client's EOF arrives
      applied.push(`${verb} ${String(args.bridge)}`);
      return { verb };
    }, () => {});
    await server.listen(sock);
    servers.push(server);
    const out = await socat('{"id":1,"verb":"add-br","args":{"bridge":"b1"}}\n{"id":2,"verb":"add-br","args":{"bridge":"b2"}}');
    expect(applied).toEqual(['add-br b1', 'add-br b2']);
    // The second line had no newline: the end of input completed it.
    expect(out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { id: 1, ok: true, result: { verb: 'add-br' } },
      { id: 2, ok: true, result: { verb: 'add-br' } },
    ]);
  });

  it("a client's signal aborts when it stops sending, not before", async () => {
    let seen: AbortSignal | undefined;
    const server = new ManagementServer(async (_verb, _args, client) => {
      seen = client.signal;
      return { aborted: client.signal.aborted };
    }, () => {});
    await server.listen(sock);
    servers.push(server);
    expect(await call(sock, 'list-br', {})).toEqual({ aborted: false });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen!.aborted).toBe(true);
  });
});

describe('--timeout (issue 7, defect 8)', () => {
  it('a daemon that never answers is reported after the timeout, with the socket and the seconds', async () => {
    const server = new ManagementServer(() => new Promise(() => {}), () => {});
    await server.listen(sock);
    servers.push(server);
    const { main } = await import('../../src/cli/main.js');
    let err = '';
    const t0 = Date.now();
    const code = await main(['list-br', '--sock', sock, '--timeout', '1'], { out: () => {}, err: (s) => (err += s) }, {});
    expect(code).toBe(1);
    expect(err).toBe(`nodeswitch: the daemon at ${sock} did not answer within 1 s (--timeout 1): it may be stopped, stuck or overloaded\n`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const bad = await main(['list-br', '--sock', sock, '--timeout', 'soon'], { out: () => {}, err: (s) => (err = s) }, {});
    expect([bad, err]).toEqual([1, `nodeswitch: option '--timeout <secs>' argument 'soon' is invalid. timeout must be an integer from 0 to 2147483, got "soon"\n`]);
  });

  it('every verb that talks to the daemon takes --timeout; 0 waits for ever', async () => {
    const { main } = await import('../../src/cli/main.js');
    let out = '';
    await main(['--help'], { out: (s) => (out += s), err: () => {} }, {});
    const commands = out.slice(out.indexOf('Commands:'));
    const verbs = [...commands.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((v) => !['daemon', 'replay', 'help'].includes(v));
    expect(verbs.length).toBeGreaterThan(20);
    for (const verb of verbs) {
      let help = '';
      await main([verb, '--help'], { out: (s) => (help += s), err: () => {} }, {});
      expect(help, verb).toMatch(/--timeout <secs>/);
    }
    const server = new ManagementServer(async () => {
      await new Promise((r) => setTimeout(r, 1200));
      return ['br0'];
    }, () => {});
    await server.listen(sock);
    servers.push(server);
    let listed = '';
    expect(await main(['list-br', '--sock', sock, '--timeout', '0'], { out: (s) => (listed += s), err: () => {} }, {})).toBe(0);
    expect(listed).toBe('br0\n');
  });
});
