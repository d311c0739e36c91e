// The OpenFlow pipeline on real frames through mem ports: every match field (a frame
// that matches hits the rule, one that does not falls through), priorities across
// masks, table misses, goto_table chains, resubmit (and its loop bound), metadata,
// and the action set (write_actions / clear_actions).
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

const bridge = (flows: string[] = []): Promise<Bridge> => memBridge('ofpipe', flows);
const send = (br: Bridge, inPort: number, frames: Buffer | Buffer[]): Promise<Buffer[][]> => sendFrames(br, inPort, frames);

async function portsFor(br: Bridge, inPort: number, frame: Buffer): Promise<number[]> {
  return (await send(br, inPort, frame)).flatMap((f, i) => (f.length ? [i] : []));
}

// ---- match fields ----------------------------------------------------------------

interface FieldCase {
  match: string;
  hit: Buffer | [number, Buffer];
  miss: (Buffer | [number, Buffer])[];
}

const A = '02:00:00:00:00:01';
const tagged = (vid: number, pcp = 0): Buffer => P.tcp4({ eth: { vlans: [{ vid, pcp }] } });

const FIELD_CASES: FieldCase[] = [
  { match: 'in_port=1', hit: [1, P.tcp4()], miss: [[4, P.tcp4()]] },
  { match: 'dl_src=02:00:00:00:00:01', hit: P.tcp4({ eth: { src: A } }), miss: [P.tcp4({ eth: { src: '02:00:00:00:00:09' } })] },
  {
    match: 'dl_src=02:00:00:00:00:00/ff:ff:ff:00:00:00',
    hit: P.tcp4({ eth: { src: '02:00:00:12:34:56' } }),
    miss: [P.tcp4({ eth: { src: '02:00:01:12:34:56' } })],
  },
  { match: 'dl_dst=02:00:00:00:00:02', hit: P.tcp4({ eth: { dst: '02:00:00:00:00:02' } }), miss: [P.tcp4({ eth: { dst: '02:00:00:00:00:03' } })] },
  {
    match: 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00',
    hit: P.tcp4({ eth: { dst: '01:00:5e:00:00:fb' } }),
    miss: [P.tcp4({ eth: { dst: '02:00:5e:00:00:fb' } })],
  },
  { match: 'dl_type=0x0806', hit: P.arp(), miss: [P.tcp4(), P.tcp6()] },
  { match: 'dl_type=0x86dd', hit: P.udp6(), miss: [P.udp4(), P.arp()] },
  { match: 'dl_vlan=10', hit: tagged(10), miss: [tagged(11), P.tcp4()] },
  { match: 'dl_vlan=0xffff', hit: P.tcp4(), miss: [tagged(10)] },
  { match: 'dl_vlan_pcp=5', hit: tagged(10, 5), miss: [tagged(10, 4), P.tcp4()] },
  { match: 'vlan_tci=0x1000/0x1000', hit: tagged(3), miss: [P.tcp4()] },
  { match: 'vlan_tci=0', hit: P.tcp4(), miss: [tagged(3)] },
  { match: 'vlan_tci=0x100a/0x1fff', hit: tagged(10, 7), miss: [tagged(11, 7), P.tcp4()] },
  { match: 'vlan_tci=0xb000/0xf000', hit: tagged(99, 5), miss: [tagged(99, 4), P.tcp4()] },
  { match: 'ip,nw_src=10.1.0.0/16', hit: P.udp4({ ip: { src: '10.1.200.3' } }), miss: [P.udp4({ ip: { src: '10.2.0.1' } }), P.arp({ arp: { spa: '10.1.0.1' } })] },
  {
    match: 'ip,nw_dst=10.0.0.1/255.0.255.0',
    hit: P.udp4({ ip: { dst: '10.77.0.200' } }),
    miss: [P.udp4({ ip: { dst: '10.77.1.200' } }), P.udp4({ ip: { dst: '11.77.0.200' } })],
  },
  { match: 'ip,nw_dst=192.168.1.1', hit: P.icmp4({ ip: { dst: '192.168.1.1' } }), miss: [P.icmp4({ ip: { dst: '192.168.1.2' } })] },
  { match: 'ip,nw_proto=17', hit: P.udp4(), miss: [P.tcp4(), P.icmp4()] },
  { match: 'ipv6,nw_proto=6', hit: P.tcp6(), miss: [P.udp6(), P.tcp4()] },
  { match: 'ip,nw_tos=0x28', hit: P.tcp4({ ip: { tos: 0x2b } }), miss: [P.tcp4({ ip: { tos: 0x2c } })] },
  { match: 'ip,ip_dscp=46', hit: P.tcp4({ ip: { tos: 0xb8 } }), miss: [P.tcp4({ ip: { tos: 0xbc } })] },
  { match: 'ipv6,ip_dscp=46', hit: P.tcp6({ ip: { tc: 0xb9 } }), miss: [P.tcp6({ ip: { tc: 0xbc } })] },
  { match: 'ip,ip_ecn=3', hit: P.tcp4({ ip: { tos: 0xb3 } }), miss: [P.tcp4({ ip: { tos: 0x02 } })] },
  { match: 'ip,nw_ttl=1', hit: P.tcp4({ ip: { ttl: 1 } }), miss: [P.tcp4({ ip: { ttl: 64 } })] },
  { match: 'tcp,tp_src=1000', hit: P.tcp4({ l4: { sport: 1000 } }), miss: [P.tcp4({ l4: { sport: 1001 } }), P.udp4({ l4: { sport: 1000 } })] },
  {
    match: 'tcp,tp_dst=0x1000/0xf000',
    hit: P.tcp4({ l4: { dport: 0x1abc } }),
    miss: [P.tcp4({ l4: { dport: 0x2abc } })],
  },
  { match: 'udp,tp_src=0/0xff00', hit: P.udp4({ l4: { sport: 0xff } }), miss: [P.udp4({ l4: { sport: 0x100 } })] },
  { match: 'udp,udp_dst=53', hit: P.udp4({ l4: { dport: 53 } }), miss: [P.udp4({ l4: { dport: 54 } }), P.tcp4({ l4: { dport: 53 } })] },
  { match: 'udp6,udp_dst=53', hit: P.udp6({ l4: { dport: 53 } }), miss: [P.udp4({ l4: { dport: 53 } })] },
  { match: 'icmp,icmp_type=8', hit: P.icmp4({ l4: { type: 8 } }), miss: [P.icmp4({ l4: { type: 0 } })] },
  { match: 'icmp,icmp_type=3,icmp_code=1', hit: P.icmp4({ l4: { type: 3, code: 1 } }), miss: [P.icmp4({ l4: { type: 3, code: 3 } })] },
  { match: 'arp,arp_op=2', hit: P.arp({ arp: { op: 2 } }), miss: [P.arp({ arp: { op: 1 } })] },
  { match: 'arp,arp_spa=10.0.0.0/24', hit: P.arp({ arp: { spa: '10.0.0.77' } }), miss: [P.arp({ arp: { spa: '10.0.1.77' } })] },
  { match: 'arp,arp_tpa=10.0.0.2', hit: P.arp({ arp: { tpa: '10.0.0.2' } }), miss: [P.arp({ arp: { tpa: '10.0.0.3' } })] },
  {
    match: 'arp,arp_sha=02:00:00:00:aa:bb',
    hit: P.arp({ arp: { sha: '02:00:00:00:aa:bb' } }),
    miss: [P.arp({ arp: { sha: '02:00:00:00:aa:bc' } })],
  },
  {
    match: 'arp,arp_tha=02:00:00:00:00:00/ff:ff:00:00:00:00',
    hit: P.arp({ arp: { op: 2, tha: '02:00:12:34:56:78' } }),
    miss: [P.arp({ arp: { op: 2, tha: '02:01:12:34:56:78' } })],
  },
  { match: 'ipv6,ipv6_src=fd00::/64', hit: P.tcp6({ ip: { src: 'fd00::1234' } }), miss: [P.tcp6({ ip: { src: 'fd00:0:0:1::1234' } })] },
  {
    match: 'ipv6,ipv6_dst=::2/::ffff',
    hit: P.tcp6({ ip: { dst: '2001:db8::5:2' } }),
    miss: [P.tcp6({ ip: { dst: '2001:db8::5:3' } })],
  },
  { match: 'ipv6,ipv6_dst=2001:db8::1', hit: P.udp6({ ip: { dst: '2001:db8::1' } }), miss: [P.udp6({ ip: { dst: '2001:db8::2' } })] },
  { match: 'ipv6,ipv6_label=0x12345', hit: P.udp6({ ip: { label: 0x12345 } }), miss: [P.udp6({ ip: { label: 0x12346 } })] },
  { match: 'ipv6,ipv6_label=0x10000/0xf0000', hit: P.udp6({ ip: { label: 0x1ffff } }), miss: [P.udp6({ ip: { label: 0x2ffff } })] },
  { match: 'icmp6,icmpv6_type=128', hit: P.icmp6({ l4: { type: 128 } }), miss: [P.icmp6({ l4: { type: 129 } }), P.icmp4({ l4: { type: 128 } })] },
  { match: 'icmp6,icmpv6_type=1,icmpv6_code=4', hit: P.icmp6({ l4: { type: 1, code: 4 } }), miss: [P.icmp6({ l4: { type: 1, code: 3 } })] },
  {
    match: 'tcp,tcp_flags=+syn-ack',
    hit: P.tcp4({ l4: { flags: P.TCP_SYN } }),
    miss: [P.tcp4({ l4: { flags: P.TCP_SYN | P.TCP_ACK } }), P.tcp4({ l4: { flags: P.TCP_ACK } })],
  },
  { match: 'tcp,tcp_flags=0x004/0x004', hit: P.tcp4({ l4: { flags: P.TCP_RST | P.TCP_ACK } }), miss: [P.tcp4({ l4: { flags: P.TCP_FIN } })] },
  { match: 'tcp6,tcp_flags=+fin', hit: P.tcp6({ l4: { flags: P.TCP_FIN | P.TCP_ACK } }), miss: [P.tcp6({ l4: { flags: P.TCP_ACK } })] },
];

describe('every match field on real frames', () => {
  it.each(FIELD_CASES.map((c) => [c.match, c] as const))('%s', async (_name, c) => {
    const br = await bridge([`priority=100,${c.match},actions=output:2`, 'priority=0,actions=output:3']);
    const [hitPort, hitFrame] = Array.isArray(c.hit) ? c.hit : [1, c.hit];
    expect(P.checksumErrors(hitFrame)).toEqual([]);
    expect(await portsFor(br, hitPort, hitFrame), 'the matching frame').toEqual([2]);
    for (const [i, m] of c.miss.entries()) {
      const [missPort, missFrame] = Array.isArray(m) ? m : [1, m];
      expect(await portsFor(br, missPort, missFrame), `non-matching frame ${i}`).toEqual([3]);
    }
    const [rule, fallback] = await br.dumpFlows();
    expect(rule!.packets).toBe(1);
    expect(fallback!.packets).toBe(c.miss.length);
  });

  it('metadata: write_metadata + goto_table, matched (masked) in the next table', async () => {
    const br = await bridge([
      'table=0,priority=10,in_port=1,actions=write_metadata:0xab00/0xff00,goto_table:1',
      'table=0,priority=10,in_port=2,actions=write_metadata:0xcd00,goto_table:1',
      'table=0,priority=10,in_port=3,actions=goto_table:1',
      'table=1,priority=10,metadata=0xab00/0xff00,actions=output:4',
      'table=1,priority=10,metadata=0xcd00,actions=output:1',
      'table=1,priority=0,actions=output:2',
    ]);
    expect(await portsFor(br, 1, P.tcp4())).toEqual([4]);
    expect(await portsFor(br, 2, P.tcp4())).toEqual([1]);
    expect(await portsFor(br, 3, P.tcp4())).toEqual([2]);
  });

  it('metadata: masked writes accumulate over tables; set_field:…->metadata in apply-actions too', async () => {
    const br = await bridge([
      'table=0,actions=write_metadata:0x1/0xf,goto_table:1',
      'table=1,actions=write_metadata:0x20/0xf0,goto_table:2',
      'table=2,priority=10,metadata=0x21,actions=set_field:0x5000000000000000->metadata,resubmit(,3)',
      'table=3,priority=10,metadata=0x5000000000000000,actions=output:2',
      'table=3,priority=0,actions=output:3',
    ]);
    expect(await portsFor(br, 1, P.udp4())).toEqual([2]);
  });
});

// ---- priorities, misses, chains ------------------------------------------------

describe('lookup order and misses', () => {
  it('the highest priority wins across different masks, not the most specific', async () => {
    const br = await bridge([
      'priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2',
      'priority=20,ip,nw_dst=10.1.0.0/16,actions=output:3',
      'priority=30,dl_src=02:00:00:00:00:77,actions=output:4',
      'priority=5,ip,nw_dst=10.1.1.1,actions=output:1',
      'priority=1,actions=drop',
    ]);
    expect(await portsFor(br, 1, P.udp4({ ip: { dst: '10.2.3.4' } }))).toEqual([2]);
    expect(await portsFor(br, 2, P.udp4({ ip: { dst: '10.1.1.1' } }))).toEqual([3]);
    expect(await portsFor(br, 1, P.udp4({ eth: { src: '02:00:00:00:00:77' }, ip: { dst: '10.1.1.1' } }))).toEqual([4]);
    expect(await portsFor(br, 1, P.udp4({ ip: { dst: '11.1.1.1' } }))).toEqual([]);
  });

  it('a table miss drops the frame and counts it', async () => {
    const br = await bridge();
    expect(await portsFor(br, 1, P.tcp4())).toEqual([]);
    await br.addFlow('priority=10,udp,actions=output:2');
    expect(await portsFor(br, 1, P.tcp4())).toEqual([]);
    expect(await portsFor(br, 1, P.udp4())).toEqual([2]);
    const s = await br.stats();
    expect(s.tableMiss).toBe(2);
  });

  it('a miss in a later table drops and counts too, and the earlier flow still counts the packet', async () => {
    const br = await bridge(['table=0,actions=goto_table:4', 'table=4,tcp,actions=output:2']);
    expect(await portsFor(br, 1, P.udp4())).toEqual([]);
    expect((await br.stats()).tableMiss).toBe(1);
    const [t0] = await br.dumpFlows('table=0');
    expect(t0!.packets).toBe(1);
  });

  it('goto_table chains rewrite as they go; each table sees the rewritten fields', async () => {
    const br = await bridge([
      'table=0,ip,actions=mod_nw_dst:10.0.0.9,goto_table:1',
      'table=1,ip,nw_dst=10.0.0.9,actions=mod_vlan_vid:9,goto_table:2',
      'table=1,priority=0,actions=output:4',
      'table=2,ip,dl_vlan=9,actions=dec_ttl,goto_table:7',
      'table=7,ip,nw_ttl=63,actions=output:2',
      'table=7,priority=0,actions=output:3',
    ]);
    const out = await send(br, 1, P.tcp4({ ip: { ttl: 64 } }));
    expect(out[2]).toHaveLength(1);
    expect(out[2]![0]!.toString('hex')).toBe(P.tcp4({ eth: { vlans: [{ vid: 9 }] }, ip: { dst: '10.0.0.9', ttl: 63 } }).toString('hex'));
    const t = await br.traceFrame(P.tcp4({ ip: { ttl: 64 } }), 1);
    expect(t.steps.map((s) => s.table)).toEqual([0, 1, 2, 7]);
    expect(t.steps.every((s) => s.flow !== undefined)).toBe(true);
    expect(t.tableMiss).toBe(false);
  });

  it('goto_table must go forward', async () => {
    const br = await bridge();
    await expect(br.addFlow('table=3,actions=goto_table:2')).rejects.toThrow(/later table/);
    await expect(br.addFlow('table=3,actions=goto_table:3')).rejects.toThrow(/later table/);
  });
});

describe('resubmit', () => {
  it('resubmit(,T) runs table T and comes back for the rest of the actions', async () => {
    const br = await bridge([
      'table=0,in_port=1,actions=resubmit(,5),output:3',
      'table=5,actions=output:2',
      'table=0,in_port=4,udp,actions=mod_tp_dst:99,resubmit(,5),mod_tp_dst:100,output:3',
    ]);
    expect(await portsFor(br, 1, P.udp4())).toEqual([2, 3]);
    const out = await send(br, 4, P.udp4());
    expect(out[2]![0]!.toString('hex')).toBe(P.udp4({ l4: { dport: 99 } }).toString('hex'));
    expect(out[3]![0]!.toString('hex')).toBe(P.udp4({ l4: { dport: 100 } }).toString('hex'));
  });

  it('resubmit to an earlier table, and resubmit:PORT with a new in_port', async () => {
    const br = await bridge([
      'table=2,in_port=1,actions=resubmit(,0)',
      'table=0,in_port=1,actions=goto_table:2',
      'table=0,in_port=3,actions=output:2',
      'table=0,in_port=2,actions=resubmit:3',
    ]);
    // Table 0 → goto 2 → resubmit to 0 (in_port=1 again) → goto 2 → … bounded, no output.
    expect(await portsFor(br, 1, P.udp4())).toEqual([]);
    // in_port=2 → resubmit:3 → the in_port=3 flow, which outputs to 2. As in OVS, the
    // "not back out of in_port" rule looks at the in_port resubmit set (3), so it goes.
    expect(await portsFor(br, 2, P.udp4())).toEqual([2]);
    await br.addFlow('table=0,in_port=4,actions=resubmit:3');
    expect(await portsFor(br, 4, P.udp4())).toEqual([2]);
  });

  it('a resubmit loop is bounded: no crash, finite outputs, the switch keeps working', async () => {
    const br = await bridge(['table=0,in_port=1,actions=output:2,resubmit(,0)', 'table=0,in_port=3,actions=resubmit(,1)', 'table=1,actions=resubmit(,0)']);
    const out = await send(br, 1, P.udp4());
    expect(out[2]!.length).toBeGreaterThan(1);
    expect(out[2]!.length).toBeLessThan(1000);
    expect(await portsFor(br, 3, P.udp4())).toEqual([]);
    const t = await br.traceFrame(P.udp4(), 3);
    expect(t.steps.length).toBeGreaterThan(2);
    expect(t.steps.length).toBeLessThan(1000);
    // (A flow without priority= has OpenFlow's default, 32768.)
    await br.addFlow('table=0,priority=40000,in_port=1,actions=output:4');
    expect(await portsFor(br, 1, P.udp4())).toEqual([4]);
  });
});

describe('the action set: write_actions and clear_actions', () => {
  it('write_actions run at the end of the pipeline, after the apply-actions of later tables', async () => {
    const br = await bridge(['table=0,ip,actions=write_actions(output:3),goto_table:1', 'table=1,ip,actions=mod_nw_src:10.5.5.5,output:2']);
    const out = await send(br, 1, P.udp4());
    const want = P.udp4({ ip: { src: '10.5.5.5' } }).toString('hex');
    expect(out[2]![0]!.toString('hex')).toBe(want);
    expect(out[3]![0]!.toString('hex')).toBe(want);
  });

  it('the set runs rewrites before its output, in OpenFlow order, whatever order they were written in', async () => {
    const br = await bridge(['table=0,ip,actions=write_actions(output:2,mod_nw_tos:0x40,dec_ttl,mod_vlan_vid:5)']);
    const out = await send(br, 1, P.tcp4({ ip: { ttl: 10 } }));
    expect(out[2]![0]!.toString('hex')).toBe(P.tcp4({ eth: { vlans: [{ vid: 5 }] }, ip: { ttl: 9, tos: 0x40 } }).toString('hex'));
  });

  it('a later write_actions replaces the output; the rewrite written earlier stays', async () => {
    const br = await bridge(['table=0,ip,actions=write_actions(mod_nw_dst:1.2.3.4,output:2),goto_table:1', 'table=1,actions=write_actions(output:3)']);
    const out = await send(br, 1, P.udp4());
    expect(out[2]).toHaveLength(0);
    expect(out[3]![0]!.toString('hex')).toBe(P.udp4({ ip: { dst: '1.2.3.4' } }).toString('hex'));
  });

  it('clear_actions empties the set: nothing written before it runs', async () => {
    const br = await bridge(['table=0,actions=write_actions(output:2),goto_table:1', 'table=1,in_port=1,actions=clear_actions', 'table=1,in_port=3,actions=output:4']);
    expect(await portsFor(br, 1, P.udp4())).toEqual([]);
    // Without clear_actions the set survives to the end.
    expect(await portsFor(br, 3, P.udp4())).toEqual([2, 4]);
  });

  it('clear_actions with write_actions in one flow: clears first, then writes', async () => {
    const br = await bridge(['table=0,actions=write_actions(output:2),goto_table:1', 'table=1,actions=clear_actions,write_actions(output:3)']);
    expect(await portsFor(br, 1, P.udp4())).toEqual([3]);
  });

  it('dec_ttl in the action set at TTL 1 drops the packet', async () => {
    const br = await bridge(['table=0,ip,actions=write_actions(dec_ttl,output:2)']);
    expect(await portsFor(br, 1, P.udp4({ ip: { ttl: 1 } }))).toEqual([]);
    expect((await br.stats()).invalidTtl).toBe(1);
  });
});
