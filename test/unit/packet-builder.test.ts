// The trace packet builder: ovs-ofctl fields → a frame, checked by parsing the frame
// back with the datapath's own parser (addon.parseFrame) and by verifying checksums
// (test/native/packets.ts's checksumErrors).
import { describe, expect, it } from 'vitest';
import { addon } from '../../src/native.js';
import { formatMatch, parseMatch } from '../../src/ofproto/flow-syntax.js';
import { buildPacket } from '../../src/ofproto/packet-builder.js';
import { checksumErrors } from '../native/packets.js';

type Key = Record<string, number | string | boolean>;

function build(fields: string): { frame: Buffer; key: Key; flow: string } {
  const { frame, flow } = buildPacket(parseMatch(fields));
  const key = addon.parseFrame(frame);
  if (!key) throw new Error('parseFrame returned null');
  expect(key.status).toBe('ok');
  expect(frame.length).toBeGreaterThanOrEqual(60);
  return { frame, key, flow: formatMatch(flow) };
}

describe('buildPacket', () => {
  it('IPv4/UDP: every field given lands in the frame, checksums right', () => {
    const { frame, key, flow } = build(
      'in_port=1,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,dl_type=0x0800,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=17,tp_src=1234,tp_dst=53',
    );
    expect(key).toMatchObject({
      dl_src: '02:00:00:00:00:01',
      dl_dst: '02:00:00:00:00:02',
      dl_type: 0x0800,
      vlan_tci: 0,
      nw_src: '10.0.0.1',
      nw_dst: '10.0.0.2',
      nw_proto: 17,
      nw_ttl: 64,
      nw_tos: 0,
      ip_frag: 'no',
      tp_src: 1234,
      tp_dst: 53,
    });
    expect(checksumErrors(frame)).toEqual([]);
    expect(flow).toBe(
      'udp,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,tp_src=1234,tp_dst=53',
    );
  });

  it('shorthands, defaults, masked values and TCP flags, TOS, TTL', () => {
    const { frame, key } = build('tcp,nw_dst=192.168.1.0/24,tp_dst=80,tcp_flags=+syn+ack,nw_tos=0x28,nw_ecn=2,nw_ttl=7');
    expect(key).toMatchObject({
      dl_src: '00:00:00:00:00:00',
      dl_type: 0x0800,
      nw_src: '0.0.0.0',
      nw_dst: '192.168.1.0',
      nw_proto: 6,
      nw_tos: 0x28,
      nw_ecn: 2,
      nw_ttl: 7,
      tp_src: 0,
      tp_dst: 80,
      tcp_flags: 0x012,
    });
    expect(checksumErrors(frame)).toEqual([]);
  });

  it('802.1Q tag from dl_vlan / dl_vlan_pcp and from vlan_tci', () => {
    expect(build('ip,dl_vlan=5,dl_vlan_pcp=3').key).toMatchObject({ dl_vlan: 5, dl_vlan_pcp: 3, vlan_tci: 0x7005, dl_type: 0x0800 });
    const { key, flow } = build('vlan_tci=0x100a,arp');
    expect(key).toMatchObject({ dl_vlan: 10, vlan_tpid: 0x8100, dl_type: 0x0806 });
    expect(flow).toMatch(/^arp,dl_vlan=10,/);
    expect(build('vlan_tci=0').key).toMatchObject({ vlan_tci: 0, vlan_tpid: 0 });
  });

  it('ARP and RARP', () => {
    const { key } = build('arp,dl_src=02:00:00:00:00:0a,arp_op=2,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_tha=02:00:00:00:00:0b');
    expect(key).toMatchObject({
      dl_type: 0x0806,
      arp_op: 2,
      arp_spa: '10.0.0.1',
      arp_tpa: '10.0.0.2',
      arp_sha: '02:00:00:00:00:0a', // defaults to dl_src
      arp_tha: '02:00:00:00:00:0b',
    });
    expect(build('rarp').key).toMatchObject({ dl_type: 0x8035, arp_op: 3 });
  });

  it('ICMP: echo request by default, type and code when given', () => {
    const a = build('icmp,nw_src=10.0.0.1');
    expect(a.key).toMatchObject({ nw_proto: 1, icmp_type: 8, icmp_code: 0 });
    expect(checksumErrors(a.frame)).toEqual([]);
    const b = build('icmp,icmp_type=3,icmp_code=1');
    expect(b.key).toMatchObject({ icmp_type: 3, icmp_code: 1 });
    expect(checksumErrors(b.frame)).toEqual([]);
  });

  it('IPv6 with UDP, TCP and a flow label', () => {
    const u = build('udp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,ipv6_label=0x12345,tp_dst=53,nw_ttl=9');
    expect(u.key).toMatchObject({
      dl_type: 0x86dd,
      ipv6_src: '2001:db8::1',
      ipv6_dst: '2001:db8::2',
      ipv6_label: 0x12345,
      nw_proto: 17,
      nw_ttl: 9,
      tp_dst: 53,
    });
    expect(checksumErrors(u.frame)).toEqual([]);
    const t = build('tcp6,tp_src=40000,tp_dst=22');
    expect(t.key).toMatchObject({ nw_proto: 6, tp_src: 40000, tp_dst: 22 });
    expect(checksumErrors(t.frame)).toEqual([]);
  });

  it('ICMPv6 echo and neighbor discovery with link-layer options', () => {
    const e = build('icmp6,ipv6_dst=ff02::1');
    expect(e.key).toMatchObject({ nw_proto: 58, icmpv6_type: 128, icmpv6_code: 0 });
    expect(checksumErrors(e.frame)).toEqual([]);
    const ns = build('icmp6,icmp_type=135,icmp_code=0,nd_target=fe80::1,nd_sll=02:00:00:00:00:01');
    expect(ns.key).toMatchObject({ icmpv6_type: 135, nd_target: 'fe80::1', nd_sll: '02:00:00:00:00:01' });
    expect(checksumErrors(ns.frame)).toEqual([]);
    const na = build('icmp6,icmp_type=136,icmp_code=0,nd_target=fe80::2,nd_tll=02:00:00:00:00:02');
    expect(na.key).toMatchObject({ icmpv6_type: 136, nd_target: 'fe80::2', nd_tll: '02:00:00:00:00:02' });
    expect(na.flow).toContain('nd_target=fe80::2,nd_tll=02:00:00:00:00:02');
  });

  it('SCTP ports', () => {
    expect(build('sctp,tp_src=5,tp_dst=6').key).toMatchObject({ nw_proto: 132, tp_src: 5, tp_dst: 6 });
  });

  it('no dl_type: an 802.3/LLC frame (dl_type 0x05ff); another dl_type: just the Ethernet header', () => {
    expect(build('dl_dst=ff:ff:ff:ff:ff:ff').key).toMatchObject({ dl_type: 0x05ff, dl_dst: 'ff:ff:ff:ff:ff:ff' });
    expect(build('dl_type=0x88cc').key).toMatchObject({ dl_type: 0x88cc });
    expect(build('dl_vlan=7').key).toMatchObject({ dl_type: 0x05ff, dl_vlan: 7 });
  });

  it('the flow it reports is what the parser sees, for a spread of packets', () => {
    const cases = ['udp,nw_src=1.2.3.4', 'tcp6,ipv6_src=::1', 'arp,arp_op=1', 'icmp', 'ip,nw_proto=47', 'dl_type=0x0800,dl_vlan=100'];
    for (const c of cases) {
      const { frame, flow } = buildPacket(parseMatch(c));
      const key = addon.parseFrame(frame)!;
      expect(key.dl_type, c).toBe(flow.dl_type!.value);
      if (flow.nw_proto) expect(key[key.dl_type === 0x0806 ? 'arp_op' : 'nw_proto'], c).toBe(flow.nw_proto.value);
      if (flow.tp_src) expect(Number(key.tp_src ?? key.icmp_type), c).toBe(flow.tp_src.value);
      expect(Number(key.vlan_tci), c).toBe(flow.vlan_tci!.value);
    }
  });

  it('refuses metadata: it is not a header', () => {
    expect(() => buildPacket(parseMatch('metadata=1'))).toThrow(/metadata: is pipeline state/);
  });
});
