// Every OpenFlow action on real frames through mem ports: the exact bytes that leave
// each port, and every IPv4 header / TCP / UDP / ICMP checksum valid after rewrites.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import type { PacketIn } from '../../src/types.js';
import { closeMemBridge, memBridge, PORTS, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

const bridge = (flows: string[] = [], n = PORTS): Promise<Bridge> => memBridge('ofact', flows, n);
const send = sendFrames;

/** The ports (1..n) that sent anything. */
function portsOf(out: Buffer[][]): number[] {
  return out.flatMap((f, i) => (f.length ? [i] : []));
}

/** Sends `frame` in on m1 through `actions` (one flow); returns the single frame out of m2. */
async function rewrite(match: string, actions: string, frame: Buffer): Promise<Buffer> {
  const br = await bridge([`priority=10,in_port=1${match ? `,${match}` : ''},actions=${actions},output:2`]);
  const out = await send(br, 1, frame);
  expect(portsOf(out)).toEqual([2]);
  expect(out[2]).toHaveLength(1);
  const got = out[2]![0]!;
  expect(P.checksumErrors(got)).toEqual([]);
  return got;
}

function collectPacketIns(br: Bridge): PacketIn[] {
  const got: PacketIn[] = [];
  br.on('packetIn', (p: PacketIn) => got.push(p));
  return got;
}

async function until<T>(fn: () => T | undefined, what: string, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const TCP = P.tcp4({ ip: { src: '10.0.0.1', dst: '10.0.0.2', tos: 0x01 }, l4: { sport: 40000, dport: 80 } });

describe('output actions', () => {
  it('output:N sends the frame byte for byte to N only', async () => {
    const br = await bridge(['in_port=1,actions=output:3']);
    const out = await send(br, 1, TCP);
    expect(portsOf(out)).toEqual([3]);
    expect(out[3]![0]!.equals(TCP)).toBe(true);
  });

  it('output to the ingress port is skipped (OpenFlow), in_port sends it back', async () => {
    const br = await bridge(['in_port=1,actions=output:1', 'in_port=2,actions=in_port']);
    expect(portsOf(await send(br, 1, TCP))).toEqual([]);
    const back = await send(br, 2, TCP);
    expect(portsOf(back)).toEqual([2]);
    expect(back[2]![0]!.equals(TCP)).toBe(true);
  });

  it('output to a port that does not exist drops the frame', async () => {
    const br = await bridge(['in_port=1,actions=output:9']);
    expect(portsOf(await send(br, 1, TCP))).toEqual([]);
  });

  it('flood and all send to every port but the ingress', async () => {
    const br = await bridge(['in_port=1,actions=flood', 'in_port=2,actions=all']);
    const f = await send(br, 1, TCP);
    expect(portsOf(f)).toEqual([2, 3, 4]);
    for (const p of [2, 3, 4]) expect(f[p]![0]!.equals(TCP)).toBe(true);
    expect(portsOf(await send(br, 2, TCP))).toEqual([1, 3, 4]);
  });

  it('normal floods an unknown destination, then forwards to the learned port', async () => {
    const br = await bridge(['actions=normal']);
    const a = '02:00:00:00:00:0a';
    const b = '02:00:00:00:00:0b';
    expect(portsOf(await send(br, 1, P.tcp4({ eth: { src: a, dst: b } })))).toEqual([2, 3, 4]);
    expect(portsOf(await send(br, 3, P.tcp4({ eth: { src: b, dst: a } })))).toEqual([1]);
    expect(portsOf(await send(br, 1, P.tcp4({ eth: { src: a, dst: b } })))).toEqual([3]);
  });

  it('local drops the frame (no LOCAL port yet), counted as no such port', async () => {
    const br = await bridge(['in_port=1,actions=local']);
    expect(portsOf(await send(br, 1, TCP))).toEqual([]);
    expect((await br.stats()).dropped).toMatchObject({ noPort: 1, portDown: 0 });
  });

  it('output to a port number the bridge does not have is dropped and counted as no such port', async () => {
    const br = await bridge(['in_port=1,actions=output:7']);
    expect(portsOf(await send(br, 1, [TCP, TCP]))).toEqual([]);
    expect((await br.stats()).dropped).toMatchObject({ noPort: 2, portDown: 0 });
  });

  it('drop sends nothing, and the flow still counts the packet', async () => {
    const br = await bridge(['in_port=1,actions=drop']);
    expect(portsOf(await send(br, 1, [TCP, TCP]))).toEqual([]);
    const [f] = await br.dumpFlows();
    expect(f!.packets).toBe(2);
    expect(f!.bytes).toBe(2 * TCP.length);
    expect((await br.stats()).tableMiss).toBe(0);
  });

  it('controller:max_len sends a packet-in cut to max_len, with reason, table and cookie', async () => {
    const br = await bridge([
      'table=0,in_port=1,actions=goto_table:3',
      'table=3,cookie=0xabc,priority=7,actions=controller:40',
      'table=0,in_port=2,cookie=0x5,actions=controller',
      'table=0,in_port=3,actions=controller(max_len=0)',
    ]);
    const got = collectPacketIns(br);
    expect(portsOf(await send(br, 1, TCP))).toEqual([]);
    const p = await until(() => got[0], 'packet-in');
    expect(p).toMatchObject({ inPort: 1, reason: 'action', tableId: 3, cookie: 0xabcn, totalLen: TCP.length });
    expect(p.data.equals(TCP.subarray(0, 40))).toBe(true);

    await send(br, 2, TCP);
    const q = await until(() => got[1], 'second packet-in');
    expect(q).toMatchObject({ inPort: 2, reason: 'action', tableId: 0, cookie: 5n, totalLen: TCP.length });
    expect(q.data.equals(TCP)).toBe(true);

    await send(br, 3, TCP);
    const r = await until(() => got[2], 'third packet-in');
    expect(r.data.length).toBe(0);
    expect(r.totalLen).toBe(TCP.length);
    expect((await br.stats()).upcalls).toBe(3);
  });

  it('output:controller is controller with max_len 65535', async () => {
    const br = await bridge(['in_port=1,actions=output:controller']);
    const got = collectPacketIns(br);
    await send(br, 1, TCP);
    const p = await until(() => got[0], 'packet-in');
    expect(p.data.equals(TCP)).toBe(true);
  });
});

describe('VLAN actions', () => {
  const untagged = P.udp4({ l4: { sport: 1, dport: 2 } });
  const tagged = P.udp4({ eth: { vlans: [{ vid: 10, pcp: 5 }] }, l4: { sport: 1, dport: 2 } });

  it('mod_vlan_vid pushes a tag on an untagged frame', async () => {
    const got = await rewrite('', 'mod_vlan_vid:42', untagged);
    expect(got.equals(P.udp4({ eth: { vlans: [{ vid: 42 }] }, l4: { sport: 1, dport: 2 } }))).toBe(true);
  });

  it('mod_vlan_vid on a tagged frame changes the VID and keeps the PCP', async () => {
    const got = await rewrite('dl_vlan=10', 'mod_vlan_vid:42', tagged);
    expect(got.equals(P.udp4({ eth: { vlans: [{ vid: 42, pcp: 5 }] }, l4: { sport: 1, dport: 2 } }))).toBe(true);
  });

  it('mod_vlan_pcp: pushes on untagged, changes only PCP on tagged', async () => {
    const a = await rewrite('', 'mod_vlan_pcp:6', untagged);
    expect(a.equals(P.udp4({ eth: { vlans: [{ vid: 0, pcp: 6 }] }, l4: { sport: 1, dport: 2 } }))).toBe(true);
    await closeMemBridge();
    const b = await rewrite('dl_vlan=10', 'mod_vlan_pcp:1', tagged);
    expect(b.equals(P.udp4({ eth: { vlans: [{ vid: 10, pcp: 1 }] }, l4: { sport: 1, dport: 2 } }))).toBe(true);
  });

  it('push_vlan + set_field:4101->vlan_vid tags with VLAN 5; on a tagged frame it stacks (QinQ)', async () => {
    const a = await rewrite('', 'push_vlan:0x8100,set_field:4101->vlan_vid', untagged);
    expect(a.equals(P.udp4({ eth: { vlans: [{ vid: 5 }] }, l4: { sport: 1, dport: 2 } }))).toBe(true);
    await closeMemBridge();
    const b = await rewrite('dl_vlan=10', 'push_vlan:0x88a8,set_field:4196->vlan_vid,set_field:3->vlan_pcp', tagged);
    // The new outer tag starts at VID 0, PCP 0 (as OVS pushes it), then VID and PCP are set.
    const want = P.udp4({ eth: { vlans: [{ vid: 100, pcp: 3, tpid: 0x88a8 }, { vid: 10, pcp: 5 }] }, l4: { sport: 1, dport: 2 } });
    expect(b.toString('hex')).toBe(want.toString('hex'));
  });

  it('strip_vlan / pop_vlan remove the outer tag; on QinQ the inner stays', async () => {
    const a = await rewrite('dl_vlan=10', 'strip_vlan', tagged);
    expect(a.toString('hex')).toBe(P.ethernet({}, P.ETH_IP, untagged.subarray(14)).toString('hex'));
    await closeMemBridge();
    const qinq = P.udp4({ eth: { vlans: [{ vid: 100, tpid: 0x88a8 }, { vid: 10, pcp: 5 }] }, l4: { sport: 1, dport: 2 } });
    const b = await rewrite('vlan_tci=0x1000/0x1000', 'pop_vlan', qinq);
    expect(b.toString('hex')).toBe(tagged.toString('hex'));
  });

  it('pop_vlan then output, on a frame that turns out to be untagged, is refused at add time', async () => {
    const br = await bridge();
    await expect(br.addFlow('in_port=1,actions=pop_vlan,output:2')).rejects.toThrow(/VLAN/);
  });
});

describe('L2 and L3 rewrites keep every checksum valid', () => {
  it('mod_dl_src and mod_dl_dst', async () => {
    const got = await rewrite('', 'mod_dl_src:0a:0b:0c:0d:0e:0f,mod_dl_dst:02:aa:bb:cc:dd:ee', TCP);
    expect(got.equals(P.tcp4({ eth: { src: '0a:0b:0c:0d:0e:0f', dst: '02:aa:bb:cc:dd:ee' }, ip: { tos: 0x01 } }))).toBe(true);
  });

  for (const [name, build] of [
    ['TCP', (ip: P.Ipv4Opts) => P.tcp4({ ip, l4: { sport: 40000, dport: 80 } })],
    ['UDP', (ip: P.Ipv4Opts) => P.udp4({ ip, l4: { sport: 40000, dport: 80 } })],
    ['UDP without checksum', (ip: P.Ipv4Opts) => P.udp4({ ip, l4: { sport: 40000, dport: 80, noChecksum: true } })],
    ['ICMP', (ip: P.Ipv4Opts) => P.icmp4({ ip })],
  ] as const) {
    it(`mod_nw_src, mod_nw_dst on ${name}`, async () => {
      const before = build({ src: '10.0.0.1', dst: '10.0.0.2' });
      const got = await rewrite('ip', 'mod_nw_src:192.168.77.5,mod_nw_dst:172.16.254.3', before);
      expect(got.toString('hex')).toBe(build({ src: '192.168.77.5', dst: '172.16.254.3' }).toString('hex'));
      if (name === 'UDP without checksum') expect(P.decode(got).udp!.checksum).toBe(0);
    });
  }

  it('mod_nw_tos sets DSCP and keeps ECN; set_field:N->ip_ecn sets ECN and keeps DSCP', async () => {
    const a = await rewrite('ip', 'mod_nw_tos:0xb8', P.tcp4({ ip: { tos: 0x02 } }));
    expect(a.toString('hex')).toBe(P.tcp4({ ip: { tos: 0xba } }).toString('hex'));
    await closeMemBridge();
    const b = await rewrite('ip', 'set_field:3->ip_ecn', P.tcp4({ ip: { tos: 0xb8 } }));
    expect(b.toString('hex')).toBe(P.tcp4({ ip: { tos: 0xbb } }).toString('hex'));
    await closeMemBridge();
    const c = await rewrite('ip', 'set_field:10->ip_dscp', P.udp4({ ip: { tos: 0x01 } }));
    expect(c.toString('hex')).toBe(P.udp4({ ip: { tos: 0x29 } }).toString('hex'));
  });

  it('mod_nw_tos / ip_dscp on IPv6 sets the traffic class', async () => {
    const got = await rewrite('ipv6', 'mod_nw_tos:0x20', P.udp6({ ip: { tc: 0x03, label: 0x12345 } }));
    expect(got.toString('hex')).toBe(P.udp6({ ip: { tc: 0x23, label: 0x12345 } }).toString('hex'));
  });

  it('dec_ttl, mod_nw_ttl and set_field:N->nw_ttl on IPv4; dec_ttl on IPv6 hop limit', async () => {
    const a = await rewrite('ip', 'dec_ttl', P.tcp4({ ip: { ttl: 64 } }));
    expect(a.toString('hex')).toBe(P.tcp4({ ip: { ttl: 63 } }).toString('hex'));
    await closeMemBridge();
    const b = await rewrite('ip', 'mod_nw_ttl:7', P.udp4({ ip: { ttl: 64 } }));
    expect(b.toString('hex')).toBe(P.udp4({ ip: { ttl: 7 } }).toString('hex'));
    await closeMemBridge();
    const c = await rewrite('ip', 'set_field:200->nw_ttl', P.icmp4({ ip: { ttl: 1 } }));
    expect(c.toString('hex')).toBe(P.icmp4({ ip: { ttl: 200 } }).toString('hex'));
    await closeMemBridge();
    const d = await rewrite('ipv6', 'dec_ttl', P.tcp6({ ip: { hlim: 2 } }));
    expect(d.toString('hex')).toBe(P.tcp6({ ip: { hlim: 1 } }).toString('hex'));
  });

  it('dec_ttl at TTL 1 or 0 drops the packet (nothing after it runs) and counts invalidTtl', async () => {
    const br = await bridge(['in_port=1,ip,actions=output:3,dec_ttl,output:2', 'in_port=2,ipv6,actions=dec_ttl,output:3']);
    const out = await send(br, 1, [P.tcp4({ ip: { ttl: 1 } }), P.tcp4({ ip: { ttl: 0 } })]);
    // The output before dec_ttl already happened; the one after must not.
    expect(out[2]).toHaveLength(0);
    expect(out[3]).toHaveLength(2);
    const v6 = await send(br, 2, P.udp6({ ip: { hlim: 1 } }));
    expect(portsOf(v6)).toEqual([]);
    expect((await br.stats()).invalidTtl).toBe(3);
    // Still fine for a TTL that can be decremented.
    const ok = await send(br, 1, P.tcp4({ ip: { ttl: 2 } }));
    expect(ok[2]![0]!.toString('hex')).toBe(P.tcp4({ ip: { ttl: 1 } }).toString('hex'));
  });

  it('set_field on IPv6 addresses keeps TCP, UDP and ICMPv6 checksums valid', async () => {
    const builds = [
      (ip: P.Ipv6Opts) => P.tcp6({ ip }),
      (ip: P.Ipv6Opts) => P.udp6({ ip }),
      (ip: P.Ipv6Opts) => P.icmp6({ ip }),
    ];
    for (const build of builds) {
      const got = await rewrite('ipv6', 'set_field:2001:db8::77->ipv6_src,set_field:2001:db8:1:2:3:4:5:6->ipv6_dst', build({}));
      expect(got.toString('hex')).toBe(build({ src: '2001:db8::77', dst: '2001:db8:1:2:3:4:5:6' }).toString('hex'));
      await closeMemBridge();
    }
  });

  it('set_field forms: eth_src, eth_dst, ip_src, ip_dst', async () => {
    const got = await rewrite(
      'ip',
      'set_field:02:11:22:33:44:55->eth_src,set_field:02:66:77:88:99:aa->eth_dst,set_field:1.2.3.4->ip_src,set_field:5.6.7.8->nw_dst',
      P.udp4(),
    );
    expect(got.toString('hex')).toBe(
      P.udp4({ eth: { src: '02:11:22:33:44:55', dst: '02:66:77:88:99:aa' }, ip: { src: '1.2.3.4', dst: '5.6.7.8' } }).toString('hex'),
    );
  });
});

describe('rewrites around VLAN pushes and pops (header offsets move)', () => {
  it('L3/L4 rewrites after push_vlan land in the right bytes', async () => {
    const got = await rewrite('tcp', 'push_vlan:0x8100,set_field:4196->vlan_vid,mod_nw_dst:10.7.7.7,dec_ttl,mod_tp_dst:8443', P.tcp4());
    expect(got.toString('hex')).toBe(P.tcp4({ eth: { vlans: [{ vid: 100 }] }, ip: { dst: '10.7.7.7', ttl: 63 }, l4: { dport: 8443 } }).toString('hex'));
  });

  it('L3/L4 rewrites after pop_vlan land in the right bytes', async () => {
    const frame = P.udp6({ eth: { vlans: [{ vid: 30, pcp: 2 }] }, ip: { hlim: 9 } });
    const got = await rewrite('udp6,dl_vlan=30', 'strip_vlan,set_field:fd00::42->ipv6_src,dec_ttl,mod_tp_src:4242', frame);
    expect(got.toString('hex')).toBe(P.udp6({ ip: { src: 'fd00::42', hlim: 8 }, l4: { sport: 4242 } }).toString('hex'));
  });

  it('rewrites on a QinQ frame reach the IP header under both tags', async () => {
    const qinq = { vlans: [{ vid: 100, tpid: 0x88a8 }, { vid: 10 }] };
    const got = await rewrite('ip', 'mod_nw_src:10.1.2.3,mod_nw_tos:0x20', P.icmp4({ eth: qinq }));
    expect(got.toString('hex')).toBe(P.icmp4({ eth: qinq, ip: { src: '10.1.2.3', tos: 0x20 } }).toString('hex'));
  });
});

describe('upcall limits', () => {
  it('packets over the rate limit are dropped and counted, never queued without bound', async () => {
    const br = await bridge(['in_port=1,actions=controller']);
    await br.setUpcallLimits(1000, 5);
    const got = collectPacketIns(br);
    // The budget is refilled once a second, and a new rate only takes over at the next
    // refill (the tokens left from the old rate stay until then): wait for it.
    await new Promise((r) => setTimeout(r, 1100));
    await br.inject('m1', Array.from({ length: 50 }, (_, i) => P.udp4({ l4: { sport: i + 1 } })));
    await new Promise((r) => setTimeout(r, 100));
    const s = await br.stats();
    expect(s.upcalls + s.upcallDrops).toBe(50);
    expect(s.upcalls).toBeLessThanOrEqual(10);
    expect(s.upcallDrops).toBeGreaterThanOrEqual(40);
    expect(got.length).toBe(s.upcalls);
  });

  it('the queue bound caps one burst of packet-ins', async () => {
    const br = await bridge(['in_port=1,actions=controller']);
    await br.setUpcallLimits(3, 100000);
    await br.inject('m1', Array.from({ length: 20 }, (_, i) => P.udp4({ l4: { sport: i + 1 } })));
    const s = await br.stats();
    expect(s.upcalls).toBe(3);
    expect(s.upcallDrops).toBe(17);
  });
});

describe('L4 port rewrites', () => {
  it('mod_tp_src and mod_tp_dst on TCP', async () => {
    const got = await rewrite('tcp', 'mod_tp_src:1234,mod_tp_dst:8080', P.tcp4({ l4: { sport: 40000, dport: 80, flags: P.TCP_SYN } }));
    expect(got.toString('hex')).toBe(P.tcp4({ l4: { sport: 1234, dport: 8080, flags: P.TCP_SYN } }).toString('hex'));
  });

  it('mod_tp_src and mod_tp_dst on UDP', async () => {
    const got = await rewrite('udp', 'mod_tp_src:1,mod_tp_dst:65535', P.udp4({ l4: { sport: 5000, dport: 53 } }));
    expect(got.toString('hex')).toBe(P.udp4({ l4: { sport: 1, dport: 65535 } }).toString('hex'));
  });

  it('a UDP/IPv4 checksum of 0 (none) stays 0 through port and address rewrites', async () => {
    const got = await rewrite('udp', 'mod_tp_src:7,mod_tp_dst:9,mod_nw_dst:10.1.1.1', P.udp4({ l4: { noChecksum: true } }));
    expect(P.decode(got).udp!.checksum).toBe(0);
    expect(got.toString('hex')).toBe(P.udp4({ ip: { dst: '10.1.1.1' }, l4: { sport: 7, dport: 9, noChecksum: true } }).toString('hex'));
  });

  it('a UDP rewrite whose checksum comes out 0 is sent as 0xffff', async () => {
    // Find a source port for which the datagram's checksum is 0xffff (the "0" of one's complement).
    let sport = -1;
    for (let s = 0; s < 65536 && sport < 0; s++) if (P.decode(P.udp4({ l4: { sport: s, dport: 53 } })).udp!.checksum === 0xffff) sport = s;
    expect(sport).toBeGreaterThanOrEqual(0);
    const got = await rewrite('udp', `mod_tp_src:${sport}`, P.udp4({ l4: { sport: 1000, dport: 53 } }));
    expect(P.decode(got).udp!.checksum).toBe(0xffff);
  });

  it('set_field:N->tcp_dst, udp_src, and on IPv6', async () => {
    const a = await rewrite('tcp', 'set_field:443->tcp_dst', P.tcp4());
    expect(a.toString('hex')).toBe(P.tcp4({ l4: { dport: 443 } }).toString('hex'));
    await closeMemBridge();
    const b = await rewrite('udp6', 'set_field:999->udp_src', P.udp6());
    expect(b.toString('hex')).toBe(P.udp6({ l4: { sport: 999 } }).toString('hex'));
    await closeMemBridge();
    const c = await rewrite('tcp6', 'mod_tp_dst:22', P.tcp6());
    expect(c.toString('hex')).toBe(P.tcp6({ l4: { dport: 22 } }).toString('hex'));
  });

  it('a later fragment has no L4 header: port rewrites leave it alone', async () => {
    const frag = P.rawIp4({ proto: P.PROTO_UDP, ip: { fragOffset: 10 }, l4: Buffer.alloc(32, 0x5a) });
    const got = await rewrite('udp', 'mod_tp_dst:9', frag);
    expect(got.equals(frag)).toBe(true);
  });
});

describe('outputs and rewrites in one action list', () => {
  it('an output before a rewrite sends the original bytes, after it the rewritten ones', async () => {
    const br = await bridge(['in_port=1,ip,actions=output:3,mod_nw_dst:10.9.9.9,output:2,mod_nw_tos:0x10,output:4']);
    const frame = P.tcp4();
    const out = await send(br, 1, frame);
    expect(out[3]![0]!.equals(frame)).toBe(true);
    expect(out[2]![0]!.toString('hex')).toBe(P.tcp4({ ip: { dst: '10.9.9.9' } }).toString('hex'));
    expect(out[4]![0]!.toString('hex')).toBe(P.tcp4({ ip: { dst: '10.9.9.9', tos: 0x10 } }).toString('hex'));
  });

  it('the same holds for many frames of one burst, and for flood before a VLAN push', async () => {
    const br = await bridge(['in_port=1,actions=flood,mod_vlan_vid:7,output:2']);
    const frames = Array.from({ length: 40 }, (_, i) => P.udp4({ l4: { sport: 1000 + i } }));
    const out = await send(br, 1, frames);
    // Flood gave 2, 3, 4 the original; then 2 also gets the tagged one, right after.
    for (const p of [3, 4]) expect(out[p]!.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
    const want = frames.flatMap((f, i) => [f, P.udp4({ eth: { vlans: [{ vid: 7 }] }, l4: { sport: 1000 + i } })]);
    expect(out[2]!.map((f) => f.toString('hex'))).toEqual(want.map((f) => f.toString('hex')));
  });

  it('a controller action before a rewrite sees the original bytes', async () => {
    const br = await bridge(['in_port=1,ip,actions=controller,mod_nw_src:1.1.1.1,controller,output:2']);
    const got = collectPacketIns(br);
    const frame = P.udp4();
    const out = await send(br, 1, frame);
    await until(() => got[1], 'two packet-ins');
    expect(got[0]!.data.equals(frame)).toBe(true);
    const rewritten = P.udp4({ ip: { src: '1.1.1.1' } });
    expect(got[1]!.data.toString('hex')).toBe(rewritten.toString('hex'));
    expect(out[2]![0]!.toString('hex')).toBe(rewritten.toString('hex'));
  });
});

describe('packet-out through the TS API', () => {
  it('output:N sends the data as is', async () => {
    const br = await bridge();
    await br.packetOut(TCP, 'output:2');
    const [f] = await br.drain('m2');
    expect(f!.equals(TCP)).toBe(true);
  });

  it('actions as parsed Action[] with a rewrite, and in_port given', async () => {
    const br = await bridge();
    await br.packetOut(P.udp4(), [{ type: 'set_field', field: 'ip_dst', value: 0x0a636363 }, { type: 'output', port: 3 }], 1);
    const [f] = await br.drain('m3');
    expect(f!.toString('hex')).toBe(P.udp4({ ip: { dst: '10.99.99.99' } }).toString('hex'));
  });

  it('flood from the controller goes to every port; with in_port=1 to every port but 1', async () => {
    const br = await bridge();
    await br.packetOut(TCP, 'flood');
    const a: number[] = [];
    for (let i = 1; i <= PORTS; i++) a.push((await br.drain(`m${i}`)).length);
    expect(a).toEqual([1, 1, 1, 1]);
    await br.packetOut(TCP, 'flood', 1);
    const b: number[] = [];
    for (let i = 1; i <= PORTS; i++) b.push((await br.drain(`m${i}`)).length);
    expect(b).toEqual([0, 1, 1, 1]);
  });

  it('normal from the controller: flood when unknown, the learned port when known', async () => {
    const br = await bridge(['actions=normal']);
    const a = '02:00:00:00:00:0a';
    const b = '02:00:00:00:00:0b';
    await send(br, 3, P.tcp4({ eth: { src: b, dst: a } })); // learns b on port 3
    await br.packetOut(P.tcp4({ eth: { src: a, dst: b } }), 'normal');
    expect((await br.drain('m3')).length).toBe(1);
    expect((await br.drain('m1')).length + (await br.drain('m2')).length + (await br.drain('m4')).length).toBe(0);
    await br.packetOut(P.tcp4({ eth: { src: a, dst: '02:00:00:00:00:99' } }), 'normal');
    const counts: number[] = [];
    for (let i = 1; i <= PORTS; i++) counts.push((await br.drain(`m${i}`)).length);
    expect(counts).toEqual([1, 1, 1, 1]);
  });

  it('output to OFPP_TABLE runs the packet through the pipeline (and the flow counts it)', async () => {
    const br = await bridge(['priority=10,tcp,tp_dst=80,actions=mod_tp_dst:8080,output:4', 'priority=0,actions=drop']);
    await br.packetOut(P.tcp4({ l4: { dport: 80 } }), [{ type: 'output', port: 0xfffffff9 }], 1);
    const [f] = await br.drain('m4');
    expect(f!.toString('hex')).toBe(P.tcp4({ l4: { dport: 8080 } }).toString('hex'));
    const flows = await br.dumpFlows();
    expect(flows.map((x) => x.packets)).toEqual([1, 0]);
  });

  it('output:table (the text form Bridge.packetOut documents) runs the pipeline', async () => {
    const br = await bridge(['priority=10,tcp,tp_dst=80,actions=mod_tp_dst:8080,output:4', 'priority=0,actions=drop']);
    await br.packetOut(P.tcp4({ l4: { dport: 80 } }), 'output:table', 1);
    const [f] = await br.drain('m4');
    expect(f!.toString('hex')).toBe(P.tcp4({ l4: { dport: 8080 } }).toString('hex'));
    const flows = await br.dumpFlows();
    expect(flows.map((x) => x.packets)).toEqual([1, 0]);
  });

  it('a packet-out with instructions or a bad action is refused', async () => {
    const br = await bridge();
    await expect(br.packetOut(TCP, 'goto_table:1')).rejects.toThrow();
    await expect(br.packetOut(TCP, 'frobnicate')).rejects.toThrow(/unknown action/);
    await expect(br.packetOut(Buffer.alloc(6), 'output:2')).rejects.toThrow(/shorter/);
  });
});
