import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigDoc, DbError, type FsOps, defaultDoc, loadDb, saveDb, validateDoc } from '../../src/daemon/config-db.js';
import { jsonErrorOffset } from '../../src/daemon/json-position.js';
import { COMPILED, needs } from '../needs.js';

let dir: string;
let path: string;

beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'ns-db-'));
  path = join(dir, 'sub', 'db.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const docA: ConfigDoc = { version: 1, bridges: [{ name: 'br0', macAging: 300, macTableSize: 8192, ports: [] }] };
const docB: ConfigDoc = {
  version: 1,
  bridges: [{ name: 'br0', macAging: 60, macTableSize: 1024, ports: [{ name: 'vnet0', type: 'afpacket', ofport: 1 }] }],
};

function errorOf(fn: () => unknown): DbError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DbError);
    return err as DbError;
  }
  throw new Error('expected a DbError');
}

describe('loadDb / saveDb', () => {
  it('returns null when the file does not exist', () => {
    expect(loadDb(path)).toBeNull();
  });

  it('round-trips a document, creating the directory', () => {
    saveDb(path, docB);
    expect(loadDb(path)).toEqual(docB);
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
    // No temp file left beside it.
    expect(fs.readdirSync(join(dir, 'sub'))).toEqual(['db.json']);
  });

  it('the default document is one bridge br0 with no ports', () => {
    expect(defaultDoc()).toEqual({ version: 1, bridges: [{ name: 'br0', ports: [] }] });
  });

  it('writes temp file, fsyncs it, renames it, then fsyncs the directory', () => {
    const calls: string[] = [];
    const ops: FsOps = {
      ...fs,
      openSync: ((p: string, ...rest: unknown[]) => {
        calls.push(`open ${p === join(dir, 'sub') ? 'dir' : p === path ? 'target' : 'tmp'}`);
        return (fs.openSync as (...a: unknown[]) => number)(p, ...rest);
      }) as typeof fs.openSync,
      writeSync: ((...a: unknown[]) => (calls.push('write'), (fs.writeSync as (...x: unknown[]) => number)(...a))) as typeof fs.writeSync,
      fsyncSync: (fd) => (calls.push('fsync'), fs.fsyncSync(fd)),
      renameSync: (a, b) => (calls.push('rename'), fs.renameSync(a, b)),
    };
    saveDb(path, docA, ops);
    expect(calls).toEqual(['open tmp', 'write', 'fsync', 'rename', 'open dir', 'fsync']);
  });

  // A failure at any step before the rename must leave the old document intact and
  // no temp file behind; after the rename the new one is in place.
  for (const step of ['openSync', 'writeSync', 'fsyncSync', 'closeSync', 'renameSync'] as const) {
    it(`a failure in ${step} leaves the old document, byte-identical`, () => {
      saveDb(path, docA);
      const before = fs.readFileSync(path);
      const ops: FsOps = {
        ...fs,
        [step]: () => {
          throw Object.assign(new Error(`${step}: EIO (injected)`), { code: 'EIO' });
        },
      };
      expect(() => saveDb(path, docB, ops)).toThrow(/EIO/);
      expect(fs.readFileSync(path).equals(before)).toBe(true);
      expect(fs.readdirSync(join(dir, 'sub'))).toEqual(['db.json']);
    });
  }

  // The real thing: a process writing documents in a loop, killed with SIGKILL at
  // arbitrary moments; every time, the file on disk parses and is one of the two.
  const compiled = resolve('dist/src/daemon/config-db.js');
  needs(COMPILED).it('SIGKILL during writes leaves the old or the new document', async () => {
    saveDb(path, docA);
    const script = `
      import { saveDb } from ${JSON.stringify(compiled)};
      const docs = [${JSON.stringify(docA)}, ${JSON.stringify(docB)}];
      process.stdout.write('go\\n');
      for (let i = 0; ; i++) saveDb(${JSON.stringify(path)}, docs[i % 2]);
    `;
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => child.stdout.once('data', r));
      await new Promise((r) => setTimeout(r, 20 + round * 17));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const doc = loadDb(path);
      expect([docA, docB]).toContainEqual(doc);
    }
  });
});

describe('a corrupt DB is refused with path, position and reason, and left untouched', () => {
  const cases: [string, string, RegExp][] = [
    ['empty file', '', /the file is empty/],
    ['bad JSON', '{"version": 1,\n  "bridges": [,]}', /line 2, column 15 \(offset 29\): unexpected ","/],
    ['truncated JSON', '{"version": 1, "bridges": [', /the document ends too early/],
    ['trailing garbage', '{"version": 1, "bridges": []} x', /line 1, column 31/],
  ];
  for (const [what, text, reason] of cases) {
    it(what, () => {
      fs.mkdirSync(join(dir, 'sub'));
      fs.writeFileSync(path, text);
      const err = errorOf(() => loadDb(path));
      expect(err.message).toContain(path);
      expect(err.message).toMatch(reason);
      expect(fs.readFileSync(path, 'utf8')).toBe(text);
    });
  }

  it('an unreadable path says why', () => {
    fs.mkdirSync(path, { recursive: true }); // a directory where the file should be
    expect(errorOf(() => loadDb(path)).message).toMatch(/cannot read it: it is a directory/);
  });
});

describe('schema validation names the field', () => {
  const bridge = (extra: object = {}, ports: object[] = []) => ({ name: 'br0', ports, ...extra });
  const port = (extra: object = {}) => ({ name: 'vnet0', type: 'tap', ofport: 1, ...extra });
  const bondPort = (bond: object = {}, extra: object = {}) => ({
    name: 'bond0', type: 'bond', ofport: 1, bond: { members: ['v1', 'v2'], mode: 'active-backup', lacp: 'off', lacpTime: 'slow', ...bond }, ...extra,
  });
  const cases: [string, unknown, string, RegExp][] = [
    ['not an object', [], '(top level)', /must be a JSON object/],
    ['wrong version', { version: 2, bridges: [] }, 'version', /must be 1, got 2/],
    ['bridges not an array', { version: 1, bridges: {} }, 'bridges', /must be an array/],
    ['unknown top-level field', { version: 1, bridges: [], extra: 1 }, 'extra', /unknown field/],
    ['bad bridge name', { version: 1, bridges: [bridge({ name: 'a b' })] }, 'bridges[0].name', /not a valid interface name/],
    ['duplicate bridge', { version: 1, bridges: [bridge(), bridge()] }, 'bridges[1].name', /appears twice/],
    ['macAging not an integer', { version: 1, bridges: [bridge({ macAging: 'x' })] }, 'bridges[0].macAging', /integer/],
    ['macTableSize zero', { version: 1, bridges: [bridge({ macTableSize: 0 })] }, 'bridges[0].macTableSize', /integer/],
    ['unknown bridge field', { version: 1, bridges: [bridge({ stp: true })] }, 'bridges[0].stp', /unknown field/],
    ['ports missing', { version: 1, bridges: [{ name: 'br0' }] }, 'bridges[0].ports', /must be an array/],
    ['bad port type', { version: 1, bridges: [bridge({}, [port({ type: 'mem' })])] }, 'bridges[0].ports[0].type', /"afpacket", "tap" or "bond"/],
    ['bond without settings', { version: 1, bridges: [bridge({}, [port({ type: 'bond' })])] }, 'bridges[0].ports[0].bond', /exactly when its type is "bond"/],
    ['bond settings on a tap', { version: 1, bridges: [bridge({}, [port({ bond: {} })])] }, 'bridges[0].ports[0].bond', /exactly when its type is "bond"/],
    ['bond with one member', { version: 1, bridges: [bridge({}, [bondPort({ members: ['v1'] })])] }, 'bridges[0].ports[0].bond.members', /at least two member ports, got 1/],
    ['bond of an unknown mode', { version: 1, bridges: [bridge({}, [bondPort({ mode: 'balance-xor' })])] }, 'bridges[0].ports[0].bond.mode', /one of active-backup, balance-slb, balance-tcp/],
    ['balance-tcp bond without LACP', { version: 1, bridges: [bridge({}, [bondPort({ mode: 'balance-tcp' })])] }, 'bridges[0].ports[0].bond.lacp', /needs LACP/],
    ['bond member also a port', { version: 1, bridges: [bridge({}, [port({ name: 'v1', ofport: 2 }), bondPort()])] }, 'bridges[0].ports[1].bond.members[0]', /port v1 is already on bridge br0/],
    ['bond member in two bonds', { version: 1, bridges: [bridge({}, [bondPort(), bondPort({}, { name: 'bond1', ofport: 3 })])] }, 'bridges[0].ports[1].bond.members[0]', /port v1 is already on bridge br0/],
    ['ofport 0', { version: 1, bridges: [bridge({}, [port({ ofport: 0 })])] }, 'bridges[0].ports[0].ofport', /from 1 to 65279/],
    ['ofport reserved', { version: 1, bridges: [bridge({}, [port({ ofport: 0xff00 })])] }, 'bridges[0].ports[0].ofport', /65279/],
    [
      'duplicate ofport',
      { version: 1, bridges: [bridge({}, [port(), port({ name: 'vnet1' })])] },
      'bridges[0].ports[1].ofport',
      /already taken by port vnet0/,
    ],
    [
      'port on two bridges',
      { version: 1, bridges: [bridge({}, [port()]), bridge({ name: 'br1' }, [port()])] },
      'bridges[1].ports[0].name',
      /already on bridge br0/,
    ],
    ['tag out of range', { version: 1, bridges: [bridge({}, [port({ tag: 4096 })])] }, 'bridges[0].ports[0].tag', /1 to 4094/],
    ['bad trunk', { version: 1, bridges: [bridge({}, [port({ trunks: [10, -1] })])] }, 'bridges[0].ports[0].trunks[1]', /0 to 4095/],
    ['duplicate trunk', { version: 1, bridges: [bridge({}, [port({ trunks: [10, 10] })])] }, 'bridges[0].ports[0].trunks', /lists VLAN 10 twice/],
    ['bad vlan_mode', { version: 1, bridges: [bridge({}, [port({ vlanMode: 'dot1q' })])] }, 'bridges[0].ports[0].vlanMode', /must be one of trunk, access/],
    ['access with trunks', { version: 1, bridges: [bridge({}, [port({ tag: 10, trunks: [20] })])] }, 'bridges[0].ports[0].trunks', /access port/],
    ['native mode without a tag', { version: 1, bridges: [bridge({}, [port({ vlanMode: 'native-tagged' })])] }, 'bridges[0].ports[0].tag', /needs a tag/],
    ['local not an object', { version: 1, bridges: [bridge({ local: true })] }, 'bridges[0].local', /must be a JSON object/],
    ['local with a bad MAC', { version: 1, bridges: [bridge({ local: { mac: 'x' } })] }, 'bridges[0].local.mac', /must be a MAC address/],
    ['local with a bad tag', { version: 1, bridges: [bridge({ local: { tag: 0 } })] }, 'bridges[0].local.tag', /1 to 4094/],
    [
      'a port with the name a LOCAL port needs',
      { version: 1, bridges: [bridge({ local: {} }), bridge({ name: 'br1' }, [port({ name: 'br0' })])] },
      'bridges[0].local',
      /port br0 of bridge br1 has the name the LOCAL port of bridge br0 needs/,
    ],
    ['flows not an array', { version: 1, bridges: [bridge({ flows: 'actions=drop' })] }, 'bridges[0].flows', /must be an array of flows/],
    ['flow not a string', { version: 1, bridges: [bridge({ flows: ['actions=drop', 7] })] }, 'bridges[0].flows[1]', /must be a string .*got 7/],
    [
      'flow with a bad token',
      { version: 1, bridges: [bridge({ flows: ['priority=0 actions=NORMAL', 'tcp,tp_dst=99999 actions=drop'] })] },
      'bridges[0].flows[1]',
      /tp_dst=99999: /,
    ],
    ['flow without actions', { version: 1, bridges: [bridge({ flows: ['in_port=1'] })] }, 'bridges[0].flows[0]', /must specify actions/],
    [
      'flow naming a port the bridge does not have',
      { version: 1, bridges: [bridge({ flows: ['in_port=vnet9 actions=drop'] }, [port()])] },
      'bridges[0].flows[0]',
      /in_port=vnet9: unknown port name "vnet9"/,
    ],
    [
      'two flows with the same table, priority and match',
      { version: 1, bridges: [bridge({ flows: ['priority=5,ip actions=drop', 'table=1,priority=5,ip actions=drop', 'dl_type=0x0800,priority=5 actions=NORMAL'] })] },
      'bridges[0].flows[2]',
      /same table, priority and match as bridges\[0\]\.flows\[0\]/,
    ],
    ['mirrors not an array', { version: 1, bridges: [bridge({ mirrors: {} }, [port()])] }, 'bridges[0].mirrors', /must be an array of mirrors/],
    [
      'mirror with an unknown field',
      { version: 1, bridges: [bridge({ mirrors: [{ name: 'm', selectAll: true, outputPort: 'vnet0', snaplen: 9 }] }, [port()])] },
      'bridges[0].mirrors[0].snaplen',
      /unknown field/,
    ],
    [
      'mirror output on a port the bridge does not have',
      { version: 1, bridges: [bridge({ mirrors: [{ name: 'm', selectAll: true, outputPort: 'vnet9' }] }, [port()])] },
      'bridges[0].mirrors[0].outputPort',
      /has no port vnet9/,
    ],
    [
      'mirror whose output is one of its sources',
      { version: 1, bridges: [bridge({ mirrors: [{ name: 'm', selectSrcPort: ['vnet0'], outputPort: 'vnet0' }] }, [port()])] },
      'bridges[0].mirrors[0].outputPort',
      /one of the mirror's sources/,
    ],
    [
      'mirror with two outputs',
      { version: 1, bridges: [bridge({ mirrors: [{ name: 'm', selectAll: true, outputPort: 'vnet0', outputVlan: 5 }] }, [port()])] },
      'bridges[0].mirrors[0].outputVlan',
      /exactly one output/,
    ],
    [
      'two mirrors of one name',
      { version: 1, bridges: [bridge({ mirrors: [{ name: 'm', selectAll: true, outputVlan: 5 }, { name: 'm', selectAll: true, outputVlan: 6 }] })] },
      'bridges[0].mirrors[1].name',
      /appears twice/,
    ],
    ['negative policing rate', { version: 1, bridges: [bridge({}, [port({ ingressPolicingRate: -1 })])] }, 'bridges[0].ports[0].ingressPolicingRate', /0 to 4294967295, got -1/],
    ['policing burst not a number', { version: 1, bridges: [bridge({}, [port({ ingressPolicingBurst: '8k' })])] }, 'bridges[0].ports[0].ingressPolicingBurst', /got "8k"/],
    ['meters not an array', { version: 1, bridges: [bridge({ meters: 'meter=1' })] }, 'bridges[0].meters', /must be an array of meters/],
    ['meter band without rate', { version: 1, bridges: [bridge({ meters: ['meter=1,kbps,bands=type=drop'] })] }, 'bridges[0].meters[0]', /has no rate/],
    [
      'two meters with one id',
      { version: 1, bridges: [bridge({ meters: ['meter=1,kbps,bands=type=drop,rate=5', 'meter=1,pktps,bands=type=drop,rate=5'] })] },
      'bridges[0].meters[1]',
      /meter 1 is already bridges\[0\]\.meters\[0\]/,
    ],
    [
      'a flow naming a meter the bridge does not have',
      { version: 1, bridges: [bridge({ meters: ['meter=1,kbps,bands=type=drop,rate=5'], flows: ['actions=meter:2,NORMAL'] })] },
      'bridges[0].flows[0]',
      /meter:2: the bridge has no meter 2/,
    ],
  ];
  for (const [what, value, field, reason] of cases) {
    it(what, () => {
      const err = errorOf(() => validateDoc(value, '/x/db.json'));
      expect(err.field).toBe(field);
      expect(err.message).toContain(`config DB /x/db.json: ${field}: `);
      expect(err.message).toMatch(reason);
    });
  }

  it('accepts mirrors, including one whose selection a deleted port emptied', () => {
    const mirrors = [
      { name: 'span', selectSrcPort: ['vnet0'], selectVlan: [10], outputPort: 'p2' },
      { name: 'rspan', selectAll: true, outputVlan: 99 },
      { name: 'emptied', outputPort: 'p2' },
    ];
    const doc = { version: 1, bridges: [bridge({ mirrors }, [port(), port({ name: 'p2', ofport: 2 })])] };
    expect(validateDoc(doc, 'x')).toEqual(doc);
  });

  it('accepts policing settings and meters named by flows', () => {
    const doc = {
      version: 1,
      bridges: [bridge({ meters: ['meter=1,kbps,burst,bands=type=drop,rate=10000,burst_size=1000'], flows: ['actions=meter:1,NORMAL'] }, [port({ ingressPolicingRate: 1000, ingressPolicingBurst: 100 })])],
    };
    expect(validateDoc(doc, 'x')).toEqual(doc);
  });

  it('accepts a full document, including VLAN fields', () => {
    const doc = {
      version: 1,
      bridges: [
        bridge({ macAging: 5, macTableSize: 10, local: { mac: '02:00:00:00:00:fe', tag: 10 } }, [
          port({ tag: 10 }),
          port({ name: 'p2', ofport: 2, trunks: [1, 2] }),
          port({ name: 'p3', ofport: 3, vlanMode: 'native-untagged', tag: 5, trunks: [5, 6] }),
        ]),
      ],
    };
    expect(validateDoc(doc, 'x')).toEqual(doc);
  });

  it('accepts flows, port names resolving through the bridge ports, and keeps the lines as written', () => {
    const flows = ['priority=0 actions=NORMAL', 'cookie=0x5, table=1, idle_timeout=10, priority=100,tcp,in_port=vnet0,tp_dst=80 actions=output:2', 'in_port=1 actions=drop'];
    const doc = { version: 1, bridges: [bridge({ flows }, [port()]), bridge({ name: 'br1', flows: [] })] };
    expect(validateDoc(doc, 'x')).toEqual(doc);
    // An old document without flows stays without them (the default flow applies).
    expect(validateDoc({ version: 1, bridges: [bridge()] }, 'x').bridges[0]!.flows).toBeUndefined();
  });

  it('a schema error read from disk leaves the file byte-identical', () => {
    fs.mkdirSync(join(dir, 'sub'));
    const text = '{"version": 1, "bridges": [{"name": "br0", "ports": [{"name": "p", "type": "tap", "ofport": -1}]}]}';
    fs.writeFileSync(path, text);
    expect(errorOf(() => loadDb(path)).field).toBe('bridges[0].ports[0].ofport');
    expect(fs.readFileSync(path, 'utf8')).toBe(text);
  });
});

describe('jsonErrorOffset', () => {
  it('agrees with JSON.parse on what is valid, and points at the first bad character', () => {
    expect(jsonErrorOffset('{"a": [1, 2.5e3, true, null, "x\\u00e9"]}')).toBe(40);
    expect(jsonErrorOffset('{"a" 1}')).toBe(5);
    expect(jsonErrorOffset('[1,]')).toBe(3);
    expect(jsonErrorOffset('{"a": tru}')).toBe(9);
    expect(jsonErrorOffset('"\\x"')).toBe(2);
    expect(jsonErrorOffset('[01]')).toBe(2);
    expect(jsonErrorOffset('{"a": 1')).toBe(7);
  });

  it('finds the place in a document nested deeper than the call stack', () => {
    const depth = 100_000;
    expect(jsonErrorOffset(`${'['.repeat(depth)}x`)).toBe(depth);
    expect(jsonErrorOffset(`${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}]`)).toBe(8 * depth + 1);
    expect(jsonErrorOffset(`${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`)).toBe(8 * depth + 1);
  });

  it('reports a bad \\u escape at its first bad digit', () => {
    expect(jsonErrorOffset('"\\u12x4"')).toBe(5);
    expect(jsonErrorOffset('"\\u"')).toBe(3);
  });
});
