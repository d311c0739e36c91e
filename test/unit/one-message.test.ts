// What a new user trips on (issue 7), the parts that need no daemon: one limit said
// the same way by the CLI, the socket and the DB loader; interface names counted in
// bytes; dump-flows' errors naming dump-flows; the same words for the same file
// problem; --version; a name starting with '-'; a socket path the kernel would cut;
// a wrong type reported as a wrong type; one order for names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';
import { validateDoc } from '../../src/daemon/config-db.js';
import { Controller } from '../../src/daemon/controller.js';
import { DbError, loadDb } from '../../src/daemon/config-db.js';
import { requireString } from '../../src/daemon/protocol.js';
import { ManagementServer } from '../../src/daemon/server.js';
import { parseFlow } from '../../src/ofproto/flow-syntax.js';
import { checkNetdevName } from '../../src/validate.js';
import { controllerOnFakeSwitch, refused } from './controller-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-msg-'));
const sock = join(dir, 'none.sock');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runMain;

async function controller(): Promise<Controller> {
  return (await controllerOnFakeSwitch()).c;
}

/** Any refusal: these tests compare its message with another path's. */
const refusal = (p: Promise<unknown>) => refused(p, /./);

function dbRefusal(macAging: number): string {
  try {
    validateDoc({ version: 1, bridges: [{ name: 'br0', macAging, ports: [] }] }, '/db.json');
  } catch (err) {
    expect(err).toBeInstanceOf(DbError);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('one limit, said the same way by the CLI, the socket and the DB loader', () => {
  for (const value of [0, 99_999_999_999]) {
    it(`mac-aging=${value}`, async () => {
      const cli = await run('set-bridge', 'br0', `mac-aging=${value}`, '--sock', sock);
      expect(cli.code).toBe(1);
      expect(cli.err).toBe(`nodeswitch: mac-aging must be an integer from 1 to 1000000, got "${value}"\n`);
      const c = await controller();
      const socket = await refusal(c.handle('set-bridge', { bridge: 'br0', macAging: value }));
      expect([socket.argument, socket.message]).toEqual(['mac-aging', `mac-aging must be an integer from 1 to 1000000, got ${value}`]);
      expect(dbRefusal(value)).toBe(`config DB /db.json: bridges[0].macAging: must be an integer from 1 to 1000000, got ${value}`);
    });
  }

  it('mac-table-size and ofport the same way', async () => {
    expect((await run('set-bridge', 'br0', 'mac-table-size=2000000', '--sock', sock)).err).toMatch(/mac-table-size must be an integer from 1 to 1048576/);
    const c = await controller();
    expect((await refusal(c.handle('set-bridge', { bridge: 'br0', macTableSize: 2_000_000 }))).message).toMatch(/from 1 to 1048576/);
    expect((await refusal(c.handle('add-port', { bridge: 'br0', port: 'vnet0', ofport: 0 }))).message).toBe('ofport must be an integer from 1 to 65279, got 0');
    expect((await run('add-port', 'br0', 'p', '--ofport', '0', '--sock', sock)).err).toMatch(/ofport must be an integer from 1 to 65279, got "0"/);
  });
});

describe('interface names are counted in bytes (IFNAMSIZ)', () => {
  const fifteenBytes = 'é'.repeat(7) + 'a'; // 8 characters, 15 bytes
  const sixteenBytes = 'é'.repeat(8); // 8 characters, 16 bytes

  it('accepts 15 bytes and refuses 16, however few characters', async () => {
    expect(checkNetdevName(fifteenBytes, 'port')).toBe(fifteenBytes);
    expect(() => checkNetdevName(sixteenBytes, 'port')).toThrow(/1–15 bytes/);
    const cli = await run('add-br', sixteenBytes, '--sock', sock);
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/bridge "é{8}" is not a valid interface name \(1–15 bytes/);
    expect((await run('add-port', 'br0', sixteenBytes, '--sock', sock)).err).toMatch(/port "é{8}" is not a valid interface name/);
    const c = await controller();
    expect((await refusal(c.handle('add-br', { bridge: sixteenBytes }))).argument).toBe('bridge');
    expect(() => validateDoc({ version: 1, bridges: [{ name: sixteenBytes, ports: [] }] }, '/db.json')).toThrow(/bridges\[0\]\.name: .*1–15 bytes/);
  });

  it('refuses a name starting with "-" (ip(8) would take it for an option)', async () => {
    const cli = await run('add-br', '--sock', sock, '--', '-x');
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/bridge "-x" is not a valid interface name \(.*not starting with '-'/);
    expect(cli.err).not.toMatch(/cannot reach/);
  });
});

describe('dump-flows names itself in its errors', () => {
  it('"ip,actions=drop" as a dump-flows match', () => {
    expect(() => parseFlow('ip,actions=drop', { context: 'delete', verb: 'dump-flows' })).toThrow(/dump-flows takes a match, not actions/);
    expect(() => parseFlow('idle_timeout=5', { context: 'delete', verb: 'dump-flows' })).toThrow(/not allowed in dump-flows/);
    expect(() => parseFlow('cookie=1', { context: 'delete', verb: 'dump-flows' })).toThrow(/dump-flows cannot set a cookie/);
    expect(() => parseFlow('ip,actions=drop', { context: 'delete' })).toThrow(/del-flows takes a match/);
  });

  it('through the daemon', async () => {
    const c = await controller();
    const err = await refusal(c.handle('dump-flows', { bridge: 'br0', match: 'ip,actions=drop' }));
    expect(err.message).toMatch(/dump-flows takes a match/);
    expect(err.message).not.toMatch(/del-flows/);
  });
});

describe('the same words for the same file problem', () => {
  it('add-flows and the DB say "no such file" / "it is a directory"', async () => {
    expect((await run('add-flows', 'br0', join(dir, 'nope'), '--sock', sock)).err).toMatch(/: no such file\n$/);
    expect(() => loadDb(dir)).toThrow(/cannot read it: it is a directory$/);
  });

  it('replay says it the same way', async () => {
    const r = await run('replay', '--in', `1=${join(dir, 'nope.pcap')}`);
    expect(r.err).toBe(`nodeswitch: --in ${join(dir, 'nope.pcap')}: cannot read it: no such file\n`);
    expect((await run('replay', '--in', `1=${dir}`)).err).toMatch(/cannot read it: it is a directory\n$/);
  });
});

describe('smaller things', () => {
  it('--version and -V print the version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await run(flag);
      expect([r.code, r.out, r.err]).toEqual([0, `nodeswitch ${version}\n`, '']);
    }
  });

  it('a --sock path over 107 bytes is refused with the limit, and nothing is created', async () => {
    const long = join(dir, 'x'.repeat(120) + '.sock');
    const r = await run('list-br', '--sock', long);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--sock .*: a unix socket path can be at most 107 bytes, this one is \d+/);
    const server = new ManagementServer(async () => null, () => {});
    await expect(server.listen(long)).rejects.toThrow(/at most 107 bytes/);
  });

  it('{"bridge": 123} is of the wrong type, not missing', () => {
    expect(() => requireString({ bridge: 123 }, 'bridge')).toThrow('bridge must be a string, got 123');
    expect(() => requireString({}, 'bridge')).toThrow('missing argument bridge');
  });

  it('list-br and show list names in one order', async () => {
    const c = await controller();
    for (const b of ['br_b', 'br-a', 'Br9', 'br10']) await c.handle('add-br', { bridge: b });
    const listed = (await c.handle('list-br', {})) as string[];
    const shown = ((await c.handle('show', {})) as { bridges: { name: string }[] }).bridges.map((b) => b.name);
    expect(shown).toEqual(listed);
    expect(listed).toEqual(['Br9', 'br-a', 'br0', 'br10', 'br_b']);
  });
});
