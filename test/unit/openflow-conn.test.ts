// The pieces of src/openflow/conn that need no socket: target syntax, the stream
// framer, roles with generation ids, the packet-in token bucket, the datapath id, and
// the config DB's openflow field.
import { describe, expect, it } from 'vitest';
import { datapathIdFromName, chooseDatapathId, formatDatapathId } from '../../src/openflow/conn/datapath-id.js';
import { MessageFramer } from '../../src/openflow/conn/framing.js';
import { PacketInLimiter } from '../../src/openflow/conn/rate-limit.js';
import { defaultAsyncConfig, RoleArbiter, type RoleHolder } from '../../src/openflow/conn/roles.js';
import { formatTarget, normalizeTargets, parseActiveTarget, parsePassiveTarget } from '../../src/openflow/conn/targets.js';
import { validateDoc } from '../../src/daemon/config-db.js';

describe('targets', () => {
  it('tcp: and unix: for controllers, with OVS defaults', () => {
    expect(parseActiveTarget('tcp:127.0.0.1:6633')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 6633 });
    expect(parseActiveTarget('tcp:10.1.2.3')).toEqual({ kind: 'tcp', host: '10.1.2.3', port: 6653 });
    expect(parseActiveTarget('tcp:[::1]:6700')).toEqual({ kind: 'tcp', host: '::1', port: 6700 });
    expect(parseActiveTarget('unix:/run/c.sock')).toEqual({ kind: 'unix', path: '/run/c.sock' });
    expect(normalizeTargets(['tcp:127.0.0.1', 'tcp:[::1]'], false)).toEqual(['tcp:127.0.0.1:6653', 'tcp:[::1]:6653']);
  });

  it('ptcp: binds loopback unless told otherwise; punix:', () => {
    expect(parsePassiveTarget('ptcp:6634')).toEqual({ kind: 'ptcp', host: '127.0.0.1', port: 6634 });
    expect(parsePassiveTarget('ptcp:')).toEqual({ kind: 'ptcp', host: '127.0.0.1', port: 6653 });
    expect(parsePassiveTarget('ptcp:6634:0.0.0.0')).toEqual({ kind: 'ptcp', host: '0.0.0.0', port: 6634 });
    expect(formatTarget(parsePassiveTarget('ptcp:6634:[::1]'))).toBe('ptcp:6634:[::1]');
    expect(parsePassiveTarget('punix:/tmp/x.sock')).toEqual({ kind: 'punix', path: '/tmp/x.sock' });
  });

  it('refuses what is not a target, naming it', () => {
    expect(() => parseActiveTarget('tcp:1.2.3.4:0')).toThrow(/port must be an integer from 1 to 65535, got 0/);
    expect(() => parseActiveTarget('tcp:1.2.3.4:65536')).toThrow(/got 65536/);
    expect(() => parseActiveTarget('tcp:1.2.3:6653')).toThrow(/"1.2.3" is not an IP address/);
    expect(() => parseActiveTarget('tcp:::1')).toThrow(/not an IP address/);
    expect(() => parseActiveTarget('udp:1.2.3.4')).toThrow(/not a controller target/);
    expect(() => parsePassiveTarget('ptcp:x')).toThrow(/got "x"/);
    expect(() => parsePassiveTarget('punix:')).toThrow(/socket path is empty/);
    expect(() => normalizeTargets(['ptcp:1', 'ptcp:1:127.0.0.1'], true)).toThrow(/given twice/);
  });
});

describe('MessageFramer', () => {
  const msg = (len: number, fill: number): Buffer => {
    const b = Buffer.alloc(len, fill);
    b.writeUInt8(4, 0);
    b.writeUInt16BE(len, 2);
    return b;
  };

  it('cuts a stream into messages whatever the chunks', () => {
    const stream = Buffer.concat([msg(8, 1), msg(20, 2), msg(65535, 3), msg(9, 4)]);
    for (const step of [1, 3, 7, 8, 100, stream.length]) {
      const f = new MessageFramer();
      const got: Buffer[] = [];
      for (let at = 0; at < stream.length; at += step) expect(f.push(stream.subarray(at, at + step), (m) => got.push(Buffer.from(m))).ok).toBe(true);
      expect(got.map((m) => m.length)).toEqual([8, 20, 65535, 9]);
      expect(got.map((m) => m[7])).toEqual([1, 2, 3, 4]);
      expect(f.pending).toBe(0);
    }
  });

  it('stops at a header whose length is below 8, after the messages before it', () => {
    const bad = Buffer.from([4, 0, 0, 5, 0, 0, 0, 9]);
    const f = new MessageFramer();
    const got: number[] = [];
    const r = f.push(Buffer.concat([msg(8, 1), bad, msg(8, 2)]), (m) => got.push(m.length));
    expect(got).toEqual([8]);
    expect(r).toEqual({ ok: false, header: bad, length: 5 });
    expect(f.push(msg(8, 3), (m) => got.push(m.length)).ok).toBe(true);
    expect(got).toEqual([8]); // nothing after it is read
  });
});

describe('RoleArbiter', () => {
  const conn = (): RoleHolder => ({ role: 'equal' });

  it('one master at a time: a new master makes the old one slave', () => {
    const r = new RoleArbiter();
    const a = conn();
    const b = conn();
    expect(r.request(a, 'master', 1n)).toEqual({ ok: true, role: 'master', generationId: 1n });
    expect(r.request(b, 'master', 2n)).toEqual({ ok: true, role: 'master', generationId: 2n });
    expect(a.role).toBe('slave');
    expect(r.request(a, 'nochange', 0n)).toEqual({ ok: true, role: 'slave', generationId: 2n });
    expect(r.request(a, 'equal', 0n)).toMatchObject({ ok: true, role: 'equal' }); // equal does not look at the id
    expect(b.role).toBe('master');
  });

  it('refuses a stale generation id (signed distance, so ids may wrap)', () => {
    const r = new RoleArbiter();
    const a = conn();
    expect(r.request(a, 'master', 10n)).toMatchObject({ ok: true });
    expect(r.request(a, 'slave', 9n)).toEqual({ ok: false, code: 'STALE' });
    expect(a.role).toBe('master');
    expect(r.request(a, 'slave', 10n)).toMatchObject({ ok: true, role: 'slave' });
    expect(r.request(a, 'master', 0xffff_ffff_ffff_fff0n)).toEqual({ ok: false, code: 'STALE' }); // behind 10
    const w = new RoleArbiter();
    expect(w.request(a, 'master', 0xffff_ffff_ffff_fff0n)).toMatchObject({ ok: true });
    expect(w.request(a, 'master', 5n)).toMatchObject({ ok: true, generationId: 5n }); // wrapped: ahead
  });

  it('a master that leaves frees the role; defaults follow the spec', () => {
    const r = new RoleArbiter();
    const a = conn();
    const b = conn();
    r.request(a, 'master', 1n);
    r.forget(a);
    r.request(b, 'master', 1n);
    expect(a.role).toBe('master'); // not touched: it is gone
    expect(defaultAsyncConfig()).toEqual({ packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] });
  });
});

describe('PacketInLimiter', () => {
  it('a burst, then the rate, dropping and counting the rest', () => {
    let t = 0;
    const l = new PacketInLimiter(100, 25, () => t);
    let sent = 0;
    for (let i = 0; i < 100; i++) if (l.take()) sent++;
    expect(sent).toBe(25);
    expect(l.dropped).toBe(75);
    t += 1000; // one second: 100 more tokens, capped at the burst
    sent = 0;
    for (let i = 0; i < 100; i++) if (l.take()) sent++;
    expect(sent).toBe(25);
    for (let i = 0; i < 100; i++) {
      t += 10; // 1 token every 10 ms
      expect(l.take()).toBe(true);
    }
  });
});

describe('datapath id', () => {
  it('the setting, else the LOCAL MAC, else a stable locally administered value from the name', () => {
    expect(formatDatapathId(chooseDatapathId('br0', '00000000000000aa', '02:00:00:00:00:01'))).toBe('00000000000000aa');
    expect(formatDatapathId(chooseDatapathId('br0', undefined, '02:11:22:33:44:55'))).toBe('0000021122334455');
    const id = datapathIdFromName('br0');
    expect(datapathIdFromName('br0')).toBe(id);
    expect(datapathIdFromName('br1')).not.toBe(id);
    const first = Number((id >> 40n) & 0xffn);
    expect(first & 1).toBe(0); // unicast
    expect(first & 2).toBe(2); // locally administered
    expect(id >> 48n).toBe(0n);
  });
});

describe('config DB: openflow', () => {
  const doc = (openflow: unknown): unknown => ({ version: 1, bridges: [{ name: 'br0', ports: [], openflow }] });

  it('keeps valid settings, normalized', () => {
    const d = validateDoc(doc({ controllers: ['tcp:127.0.0.1'], listeners: ['ptcp:6634'], failMode: 'secure', datapathId: '00000000000000AB', inactivityProbe: 0, rateLimit: 500 }), '/db');
    expect(d.bridges[0]!.openflow).toEqual({
      controllers: ['tcp:127.0.0.1:6653'],
      listeners: ['ptcp:6634:127.0.0.1'],
      failMode: 'secure',
      datapathId: '00000000000000ab',
      inactivityProbe: 0,
      rateLimit: 500,
    });
  });

  it('refuses bad settings, naming the field', () => {
    expect(() => validateDoc(doc({ controllers: ['tcp:1.2.3.4:0'] }), '/db')).toThrow(/bridges\[0\]\.openflow\.controllers: target "tcp:1.2.3.4:0"/);
    expect(() => validateDoc(doc({ listeners: 'ptcp:1' }), '/db')).toThrow(/openflow\.listeners: must be an array/);
    expect(() => validateDoc(doc({ failMode: 'open' }), '/db')).toThrow(/openflow\.failMode: fail mode must be standalone or secure/);
    expect(() => validateDoc(doc({ datapathId: 'xyz' }), '/db')).toThrow(/openflow\.datapathId: datapath-id must be exactly 16 hex digits/);
    expect(() => validateDoc(doc({ burstLimit: 30 }), '/db')).toThrow(/openflow\.burstLimit: a burst limit needs a rate limit/);
    expect(() => validateDoc(doc({ controler: [] }), '/db')).toThrow(/openflow\.controler: unknown field/);
  });
});
