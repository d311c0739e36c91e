// The CLI's own argument checking and its error when no daemon is running. Nothing
// here needs the addon or a daemon: every case fails before or at the connect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBridgeSettings, parseHttpAddress, parseTrunks } from '../../src/cli/args.js';
import { formatDumpFlows } from '../../src/cli/format.js';
import { main } from '../../src/cli/main.js';
import { runMain } from './run-main.js';
import { formatTrace } from '../../src/cli/trace-format.js';
import { resolvePaths } from '../../src/daemon/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-cli-'));
const sock = join(dir, 'none.sock');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runMain;

describe('bad usage exits 1 with "nodeswitch: " and names the argument', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['add-br'], /missing required argument 'bridge'/],
    [['add-br', 'a', 'b'], /too many arguments for 'add-br'/],
    [['add-br', 'has space'], /bridge "has space" is not a valid interface name/],
    [['add-br', 'waytoolongname16'], /bridge "waytoolongname16" is not a valid interface name/],
    [['add-port', 'br0'], /missing required argument 'port'/],
    [['add-port', 'br0', 'a/b'], /port "a\/b" is not a valid interface name/],
    [['add-port', 'br0', 'p', '--type', 'vxlan'], /option '--type <type>' argument 'vxlan' is invalid. port type "vxlan" is not one of afpacket, tap/],
    [['add-port', 'br0', 'p', '--ofport', '0'], /'--ofport <N>' argument '0' is invalid. ofport must be an integer from 1 to 65279/],
    [['add-port', 'br0', 'p', '--ofport', 'x'], /ofport must be an integer/],
    [['add-port', 'br0', 'p', '--ofport', '65280'], /ofport must be an integer from 1 to 65279, got "65280"/],
    [['add-port', 'br0', 'p', '--tag', '4096'], /'--tag <vid>' argument '4096' is invalid. tag must be an integer from 1 to 4094/],
    [['add-port', 'br0', 'p', '--trunks', '10,,20'], /trunks must be a comma-separated list/],
    [['add-port', 'br0', 'p', '--trunks', '10,5000'], /trunks must be an integer from 0 to 4095, got "5000"/],
    [['add-port', 'br0', 'p', '--bogus'], /unknown option '--bogus'/],
    [['set-bridge', 'br0'], /missing required argument 'settings'/],
    [['set-bridge', 'br0', 'mac-agin=5'], /unknown bridge setting "mac-agin" \(known: mac-aging, mac-table-size, datapath-poll, local, datapath-id\)/],
    [['set-bridge', 'br0', 'datapath-id=12345'], /datapath-id must be exactly 16 hex digits \(e.g. 0000aabbccddeeff\), got "12345"/],
    [['set-bridge', 'br0', 'datapath-id=000000000000000g'], /datapath-id must be exactly 16 hex digits/],
    [['set-bridge', 'br0', 'datapath-id'], /datapath-id needs a value: datapath-id=HEX16/],
    [['set-controller', 'br0'], /missing required argument 'targets'/],
    [['set-controller', 'br0', 'tcp:127.0.0.1:0'], /target "tcp:127.0.0.1:0": the port must be an integer from 1 to 65535, got 0/],
    [['set-controller', 'br0', 'tcp:127.0.0.1:65536'], /target "tcp:127.0.0.1:65536": the port must be an integer from 1 to 65535, got 65536/],
    [['set-controller', 'br0', 'tcp:127.0.0.1:x'], /the port must be an integer from 1 to 65535, got "x"/],
    [['set-controller', 'br0', 'tcp:300.1.2.3:6653'], /target "tcp:300.1.2.3:6653": "300.1.2.3" is not an IP address/],
    [['set-controller', 'br0', 'tcp:::1'], /is not an IP address \(IPv4 like 127.0.0.1, IPv6 in brackets like \[::1\]\)/],
    [['set-controller', 'br0', 'tcp:'], /tcp: needs an IP address: tcp:IP\[:PORT\]/],
    [['set-controller', 'br0', 'ssl:127.0.0.1:6653'], /not a controller target: tcp:IP\[:PORT\] or unix:PATH \(ssl: is not supported\)/],
    [['set-controller', 'br0', 'ptcp:6653'], /\(ptcp: is a listener: set-listen\)/],
    [['set-controller', 'br0', 'http://x'], /target "http:\/\/x": not a controller target/],
    [['set-controller', 'br0', 'tcp:127.0.0.1:6653', 'tcp:127.0.0.1'], /target "tcp:127.0.0.1" is given twice/],
    [['set-controller', 'br0', 'unix:'], /the socket path is empty/],
    [['set-controller', 'br0', 'tcp:127.0.0.1', '--inactivity-probe', '500'], /inactivity-probe must be 0 \(off\) or an integer from 1000 to 3600000 \(milliseconds\)/],
    [['set-controller', 'br0', 'tcp:127.0.0.1', '--rate-limit', '10'], /rate-limit must be an integer from 100 to/],
    [['set-controller', 'br0', 'tcp:127.0.0.1', '--burst-limit', '1'], /burst-limit must be an integer from 25 to/],
    [['set-fail-mode', 'br0', 'open'], /fail mode must be standalone or secure, got "open"/],
    [['set-fail-mode', 'br0'], /missing required argument 'mode'/],
    [['set-listen', 'br0', 'ptcp:0'], /target "ptcp:0": the port must be an integer from 1 to 65535, got 0/],
    [['set-listen', 'br0', 'ptcp:6634:localhost'], /"localhost" is not an IP address/],
    [['set-listen', 'br0', 'tcp:127.0.0.1:6634'], /not a listener target: ptcp:\[PORT\]\[:IP\] or punix:PATH \(tcp: is a controller: set-controller\)/],
    [['set-listen', 'br0', 'ptcp:6634', 'ptcp:6634:10.0.0.1'], /two listeners on TCP port 6634/],
    [['set-bridge', 'br0', 'local=yes'], /local must be true or false \(local=true\|false\), got "yes"/],
    [['set-bridge', 'br0', 'mac-aging'], /mac-aging needs a value: mac-aging=N/],
    [['set-bridge', 'br0', 'datapath-poll=spin'], /datapath-poll must be one of adaptive, busy, interrupt, got "spin"/],
    [['set-bridge', 'br0', 'datapath-poll'], /datapath-poll needs a value: datapath-poll=adaptive\|busy\|interrupt/],
    [['set-bridge', 'br0', 'mac-aging=abc'], /mac-aging must be an integer from 1 to \d+, got "abc"/],
    [['set-bridge', 'br0', 'mac-aging=0'], /mac-aging must be an integer from 1/],
    [['set-bridge', 'br0', 'mac-table-size=-3'], /mac-table-size must be an integer from 1/],
    [['set-bridge', 'br0', 'mac-aging=5', 'mac-aging=6'], /mac-aging is given twice/],
    [['add-port', 'br0', 'p', '--tag', '0'], /tag must be an integer from 1 to 4094, got "0"/],
    [['add-port', 'br0', 'p', '--trunks', '10,20,10'], /trunks lists VLAN 10 twice/],
    [['add-port', 'br0', 'p', '--vlan-mode', 'dot1q-tunnel'], /vlan_mode must be one of trunk, access, native-tagged, native-untagged/],
    [['set-port', 'p'], /missing required argument 'settings'/],
    [['set-port', 'p', 'tag=4095'], /tag must be an integer from 1 to 4094, got "4095"/],
    [['set-port', 'p', 'trunks=1,1'], /trunks lists VLAN 1 twice/],
    [['set-port', 'p', 'vlan_mode=hybrid'], /vlan_mode must be one of/],
    [['set-port', 'p', 'tag'], /tag needs a value/],
    [['set-port', 'p', 'tag=1', 'tag=2'], /tag is given twice/],
    [['set-port', 'p', 'colour=red'], /unknown port setting "colour" \(known: tag, trunks, vlan_mode, ingress_policing_rate, ingress_policing_burst\)/],
    [['del-port', 'br0'], /missing required argument 'port'/],
    [['dump-ports', 'br0', 'p', 'q'], /too many arguments for 'dump-ports'/],
    [['fdb-show'], /missing required argument 'bridge'/],
    [['daemon', '--http', 'localhost'], /'--http <addr:port>' argument 'localhost' is invalid. http address must be ADDR:PORT/],
    [['list-br', '--json', '--xml'], /unknown option '--xml'/],
    [['add-flow', 'br0'], /missing required argument 'flow'/],
    [['add-flow', 'br0', 'actions=drop', 'x'], /too many arguments for 'add-flow'/],
    [['add-flow', 'br0', 'actions=drop', '--json'], /unknown option '--json'/],
    [['add-flows', 'br0'], /missing required argument 'file'/],
    [['add-flows', 'br0', join(dir, 'no-such-file')], /cannot read the flows file .*no-such-file: no such file/],
    [['add-flows', 'br0', dir], /cannot read the flows file .*: it is a directory/],
    [['mod-flows', 'br0'], /missing required argument 'flow'/],
    [['mod-flows', 'br0', 'actions=drop', '--strict=yes'], /unknown option '--strict=yes'/],
    [['del-flows'], /missing required argument 'bridge'/],
    [['del-flows', 'br0', 'ip', 'udp'], /too many arguments for 'del-flows'/],
    [['dump-flows', 'br0', 'ip', 'udp'], /too many arguments for 'dump-flows'/],
    [['dump-flows', 'br0', '--strict'], /unknown option '--strict'/],
    [['trace', 'br0'], /missing required argument 'packet-fields'/],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      // --sock points nowhere: a case that wrongly passed validation would say "cannot reach".
      const r = await run(...argv, ...(argv[0] === 'frobnicate' ? [] : ['--sock', sock]));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^nodeswitch: /);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/cannot reach/);
      expect(r.out).toBe('');
    });
  }

  it('no verb at all prints the usage and exits 1', async () => {
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Usage: nodeswitch/);
  });

  it('--help exits 0', async () => {
    const r = await run('add-port', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--ofport <N>/);
  });
});

describe('when the daemon is not running', () => {
  for (const argv of [['list-br'], ['show', '--json'], ['add-br', 'br1'], ['set-bridge', 'br0', 'mac-aging=10'], ['fdb-flush', 'br0']]) {
    it(`${argv.join(' ')} names the socket path and exits 1`, async () => {
      const r = await run(...argv, '--sock', sock);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`nodeswitch: cannot reach the daemon at ${sock}: is it running? (start it with "nodeswitch daemon")\n`);
    });
  }

  it('a socket path in a directory that does not exist is reported the same way', async () => {
    const r = await run('list-br', '--sock', join(dir, 'no', 'such', 'dir.sock'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach the daemon at .*no\/such\/dir.sock: is it running\?/);
  });

  it('NODESWITCH_SOCK is used when --sock is not given', async () => {
    let err = '';
    const code = await main(['list-br'], { out: () => {}, err: (s) => (err += s) }, { NODESWITCH_SOCK: sock });
    expect(code).toBe(1);
    expect(err).toContain(`at ${sock}:`);
  });
});

describe('argument parsers', () => {
  it('set-bridge settings: either or both keys', () => {
    expect(parseBridgeSettings(['mac-aging=10'])).toEqual({ macAging: 10 });
    expect(parseBridgeSettings(['mac-table-size=64', 'mac-aging=1'])).toEqual({ macAging: 1, macTableSize: 64 });
  });

  it('trunks and http address', () => {
    expect(parseTrunks('10, 20,4095')).toEqual([10, 20, 4095]);
    expect(() => parseTrunks('10,10')).toThrow(/VLAN 10 twice/);
    expect(parseHttpAddress('[::1]:8080')).toBe('[::1]:8080');
    expect(() => parseHttpAddress('127.0.0.1:70000')).toThrow(/http port must be an integer from 1 to 65535/);
  });

  it('paths: flag, then environment, then default', () => {
    expect(resolvePaths({}, {})).toEqual({ sock: '/run/nodeswitch/nodeswitch.sock', db: '/var/lib/nodeswitch/db.json' });
    expect(resolvePaths({}, { NODESWITCH_SOCK: '/e.sock', NODESWITCH_DB: '/e.json' })).toEqual({ sock: '/e.sock', db: '/e.json' });
    expect(resolvePaths({ sock: '/f.sock', db: '/f.json' }, { NODESWITCH_SOCK: '/e.sock', NODESWITCH_DB: '/e.json' })).toEqual({
      sock: '/f.sock',
      db: '/f.json',
    });
  });
});

describe('flow verbs: input and rendering', () => {
  it('add-flows - reads standard input before talking to the daemon', async () => {
    let read = 0;
    let err = '';
    const io = { out: () => {}, err: (t: string) => (err += t), stdin: async () => (read++, 'actions=drop\n') };
    expect(await main(['add-flows', 'br0', '-', '--sock', sock], io, {})).toBe(1);
    expect(read).toBe(1);
    expect(err).toMatch(/cannot reach the daemon/);
  });

  it('dump-flows lines are indented by one space, as ovs-ofctl prints them', () => {
    expect(formatDumpFlows(['cookie=0x0, duration=1s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL'])).toBe(
      ' cookie=0x0, duration=1s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL\n',
    );
    expect(formatDumpFlows([])).toBe('');
  });

  it('trace output reads like ovs-appctl ofproto/trace', () => {
    const flow = 'udp,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,tp_src=0,tp_dst=53';
    const step = (match: string, priority: number, actions: string[], cookie = '0x0') => ({ match, priority, cookie, actions, text: '' });
    const text = formatTrace({
      bridge: 'br0',
      inPort: 1,
      flow,
      steps: [
        { table: 0, depth: 0, flow: step('udp,tp_dst=53', 100, ['set_field:10.0.0.9->ip_dst', 'resubmit(,1)'], '0x5') },
        { table: 1, depth: 1 },
        { table: 0, depth: 0, flow: step('', 0, ['output:2']) },
      ],
      finalFlow: flow.replace('nw_dst=10.0.0.2', 'nw_dst=10.0.0.9'),
      actions: ['set_field:10.0.0.9->ip_dst', 'output:2'],
      normal: [],
      tableMiss: true,
      megaflow: { match: 'udp,in_port=1,tp_dst=53', installed: false },
    });
    expect(text).toBe(
      [
        `Flow: ${flow}`,
        '',
        'bridge("br0")',
        '-------------',
        ' 0. udp,tp_dst=53, priority 100, cookie 0x5',
        '    set_field:10.0.0.9->ip_dst',
        '    resubmit(,1)',
        '     1. No match.',
        '        drop',
        ' 0. priority 0',
        '    output:2',
        '',
        `Final flow: ${flow.replace('nw_dst=10.0.0.2', 'nw_dst=10.0.0.9')}`,
        'Megaflow: udp,in_port=1,tp_dst=53',
        'Datapath actions: set_field:10.0.0.9->ip_dst,output:2',
        '',
      ].join('\n'),
    );
    const megaflow = { match: 'in_port=1', installed: true };
    expect(formatTrace({ bridge: 'b', inPort: 1, flow, steps: [{ table: 0, depth: 0 }], finalFlow: flow, actions: [], normal: [], tableMiss: true, megaflow })).toMatch(
      / 0\. No match\.\n {4}drop\n\nFinal flow: unchanged\nMegaflow: in_port=1 \(cached\)\nDatapath actions: drop\n$/,
    );
  });
});
