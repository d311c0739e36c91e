import { describe, expect, it } from 'vitest';
import { prng } from '../lab/prng.js';
import {
  type FlowSpec,
  FlowSyntaxError,
  formatFilter,
  formatFlow,
  formatMatch,
  OFPP,
  parseFlow,
  parseFlowsFile,
  parseMatch,
  TABLE_ALL,
} from '../../src/ofproto/flow-syntax.js';

/** parse → format, add context. */
const canon = (flow: string): string => formatFlow(parseFlow(flow));

/** The FlowSyntaxError parseFlow throws for `flow`. */
function refusal(flow: string, options?: Parameters<typeof parseFlow>[1]): FlowSyntaxError {
  try {
    parseFlow(flow, options);
  } catch (e) {
    expect(e).toBeInstanceOf(FlowSyntaxError);
    return e as FlowSyntaxError;
  }
  throw new Error(`accepted: ${flow}`);
}

describe('FlowSpec representation', () => {
  it('fills OVS defaults for an add', () => {
    const spec = parseFlow('actions=drop');
    expect(spec).toEqual<FlowSpec>({
      table: 0,
      priority: 32768,
      cookie: 0n,
      idleTimeout: 0,
      hardTimeout: 0,
      flags: { sendFlowRem: false, checkOverlap: false },
      match: {},
      actions: [],
      instructions: {},
    });
  });

  it('reads the flow-mod attributes', () => {
    const spec = parseFlow('table=3,priority=7,cookie=0x10,idle_timeout=5,hard_timeout=60,send_flow_rem,check_overlap,actions=drop');
    expect(spec).toMatchObject({
      table: 3,
      priority: 7,
      cookie: 0x10n,
      idleTimeout: 5,
      hardTimeout: 60,
      flags: { sendFlowRem: true, checkOverlap: true },
    });
  });

  it('stores every match field as {value, mask} with numbers, bigints and hex strings', () => {
    expect(parseMatch('in_port=3,dl_src=00:11:22:33:44:55,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,tcp,nw_src=10.0.0.0/24,tp_dst=0x1000/0xf000')).toEqual({
      in_port: { value: 3, mask: 0xffffffff },
      dl_src: { value: '001122334455', mask: 'ffffffffffff' },
      dl_dst: { value: '010000000000', mask: '010000000000' },
      dl_type: { value: 0x0800, mask: 0xffff },
      nw_proto: { value: 6, mask: 0xff },
      nw_src: { value: 0x0a000000, mask: 0xffffff00 },
      tp_dst: { value: 0x1000, mask: 0xf000 },
    });
    expect(parseMatch('metadata=0x5/0xff').metadata).toEqual({ value: 5n, mask: 0xffn });
    expect(parseMatch('ipv6,ipv6_src=2001:db8::1/32').ipv6_src).toEqual({
      value: '20010db8000000000000000000000000',
      mask: 'ffffffff000000000000000000000000',
    });
  });

  it('stores aliases in OVS’s shared slots', () => {
    expect(parseMatch('arp,arp_spa=1.2.3.4,arp_op=2')).toMatchObject({
      nw_src: { value: 0x01020304, mask: 0xffffffff },
      nw_proto: { value: 2, mask: 0xff },
    });
    expect(parseMatch('icmp,icmp_type=8,icmp_code=0')).toMatchObject({
      tp_src: { value: 8, mask: 0xffff },
      tp_dst: { value: 0, mask: 0xffff },
    });
    expect(parseMatch('icmp6,icmp_type=135,nd_sll=00:00:00:00:00:01')).toMatchObject({
      arp_sha: { value: '000000000001', mask: 'ffffffffffff' },
    });
    expect(parseMatch('ip,ip_dscp=46,ip_ecn=1')).toMatchObject({
      nw_tos: { value: 184, mask: 0xfc },
      nw_ecn: { value: 1, mask: 0x03 },
    });
  });

  it('follows OVS’s VLAN semantics', () => {
    expect(parseMatch('dl_vlan=5').vlan_tci).toEqual({ value: 0x1005, mask: 0x1fff });
    expect(parseMatch('dl_vlan=0xffff').vlan_tci).toEqual({ value: 0, mask: 0x1fff });
    expect(parseMatch('dl_vlan=5,dl_vlan_pcp=3').vlan_tci).toEqual({ value: 0x7005, mask: 0xffff });
    expect(parseMatch('vlan_tci=0x1000/0x1000').vlan_tci).toEqual({ value: 0x1000, mask: 0x1000 });
    expect(parseMatch('vlan_tci=0').vlan_tci).toEqual({ value: 0, mask: 0x1fff });
  });
});

describe('match fields, printed as dump-flows does', () => {
  const cases: Array<[string, string]> = [
    ['in_port=1', 'in_port=1'],
    ['in_port=LOCAL', 'in_port=LOCAL'],
    ['in_port=65534', 'in_port=LOCAL'],
    ['dl_src=1:2:3:4:5:6', 'dl_src=01:02:03:04:05:06'],
    ['eth_dst=AA:BB:CC:DD:EE:FF/ff:ff:ff:00:00:00', 'dl_dst=aa:bb:cc:00:00:00/ff:ff:ff:00:00:00'],
    ['dl_type=0x0800', 'ip'],
    ['dl_type=0x88cc', 'dl_type=0x88cc'],
    ['dl_vlan=5', 'dl_vlan=5'],
    ['dl_vlan_pcp=3', 'dl_vlan_pcp=3'],
    ['dl_vlan=0xffff', 'vlan_tci=0x0000/0x1fff'],
    ['vlan_tci=0x1005', 'dl_vlan=5,dl_vlan_pcp=0'],
    ['vlan_tci=0x0005/0x0fff', 'vlan_tci=0x0005/0x0fff'],
    ['ip,nw_src=10.0.0.0/255.0.255.0', 'ip,nw_src=10.0.0.0/255.0.255.0'],
    ['ip,nw_dst=10.1.2.3/16', 'ip,nw_dst=10.1.0.0/16'],
    ['ip,nw_proto=47', 'ip,nw_proto=47'],
    ['ip,nw_tos=16', 'ip,nw_tos=16'],
    ['ip,ip_dscp=4', 'ip,nw_tos=16'],
    ['ip,nw_ecn=3', 'ip,nw_ecn=3'],
    ['ip,nw_ttl=64', 'ip,nw_ttl=64'],
    ['tcp,tp_src=80,tp_dst=0x1000/0xf000', 'tcp,tp_src=80,tp_dst=0x1000/0xf000'],
    ['udp,udp_dst=53', 'udp,tp_dst=53'],
    ['sctp,sctp_src=9', 'sctp,tp_src=9'],
    ['icmp,icmp_type=3,icmp_code=1', 'icmp,icmp_type=3,icmp_code=1'],
    ['arp,arp_op=1,arp_spa=1.2.3.4,arp_tpa=1.2.3.0/24,arp_sha=00:11:22:33:44:55,arp_tha=00:00:00:00:00:00', 'arp,arp_spa=1.2.3.4,arp_tpa=1.2.3.0/24,arp_op=1,arp_sha=00:11:22:33:44:55,arp_tha=00:00:00:00:00:00'],
    ['arp,nw_src=1.2.3.4', 'arp,arp_spa=1.2.3.4'],
    ['rarp', 'rarp'],
    ['ipv6,ipv6_src=2001:db8::/32,ipv6_dst=::1,ipv6_label=0x12345', 'ipv6,ipv6_src=2001:db8::/32,ipv6_dst=::1,ipv6_label=0x12345'],
    ['ipv6,ipv6_label=5/0xf', 'ipv6,ipv6_label=0x00005/0x0000f'],
    ['ipv6,ipv6_src=::ffff:1.2.3.4', 'ipv6,ipv6_src=::ffff:1.2.3.4'],
    ['ipv6,ipv6_src=2001:db8::1/ffff:0:ffff::', 'ipv6,ipv6_src=2001::/ffff:0:ffff::'],
    ['icmp6,icmpv6_type=135,nd_target=fe80::1,nd_sll=00:11:22:33:44:55', 'icmp6,icmp_type=135,nd_target=fe80::1,nd_sll=00:11:22:33:44:55'],
    ['icmp6,icmp_type=136,nd_tll=00:11:22:33:44:55', 'icmp6,icmp_type=136,nd_tll=00:11:22:33:44:55'],
    ['tcp6,tp_dst=22', 'tcp6,tp_dst=22'],
    ['udp6', 'udp6'],
    ['sctp6', 'sctp6'],
    ['metadata=0x5/0xff', 'metadata=0x5/0xff'],
    ['metadata=0', 'metadata=0'],
    ['tcp,tcp_flags=+syn-ack', 'tcp,tcp_flags=+syn-ack'],
    ['tcp,tcp_flags=0x012', 'tcp,tcp_flags=syn|ack'],
    ['tcp,tcp_flags=0x002/0x012', 'tcp,tcp_flags=+syn-ack'],
    ['tcp,tcp_flags=0', 'tcp,tcp_flags=0'],
    ['ip,tcp', 'tcp'],
    ['tcp,udp', 'udp'],
    ['in_port=1,in_port=2', 'in_port=2'],
    ['ip,nw_src=1.2.3.4/0', 'ip'],
  ];
  it.each(cases)('%s → %s', (input, printed) => {
    expect(formatMatch(parseMatch(input))).toBe(printed);
    expect(formatMatch(parseMatch(printed))).toBe(printed);
  });

  it('puts priority first and the protocol shorthand before the fields', () => {
    expect(canon('nw_src=10.0.0.1,priority=5,in_port=2,tcp,tp_dst=22,actions=drop')).toBe(
      'priority=5,tcp,in_port=2,nw_src=10.0.0.1,tp_dst=22 actions=drop',
    );
  });
});

describe('errors name the token and the reason', () => {
  it.each<[string, string, RegExp]>([
    ['foo=1,actions=drop', 'foo=1', /unknown field/],
    ['tp_dst=http,actions=drop', 'tp_dst=http', /not a number/],
    ['tcp,tp_dst=65536,actions=drop', 'tcp,tp_dst=65536'.slice(4), /too large for a 16-bit/],
    ['ip,nw_src=10.0.0.1/33,actions=drop', 'nw_src=10.0.0.1/33', /prefix length/],
    ['dl_src=00:11:22:33:44:55/zz,actions=drop', 'dl_src=00:11:22:33:44:55/zz', /invalid Ethernet/],
    ['in_port=1/0xff,actions=drop', 'in_port=1/0xff', /cannot be masked/],
    ['nw_src=1.2.3.4,actions=drop', 'nw_src=1.2.3.4', /requires dl_type=0x0800 \(ip\) or 0x0806 \(arp\)/],
    ['ip,tp_dst=80,actions=drop', 'tp_dst=80', /requires tcp, udp or sctp/],
    ['tcp,icmp_type=8,actions=drop', 'icmp_type=8', /requires icmp or icmp6/],
    ['ipv6_src=::1,actions=drop', 'ipv6_src=::1', /requires dl_type=0x86dd/],
    ['arp_op=1,actions=drop', 'arp_op=1', /requires dl_type=0x0806/],
    ['udp,tcp_flags=+syn,actions=drop', 'tcp_flags=+syn', /requires tcp/],
    ['icmp6,nd_target=::1,actions=drop', 'nd_target=::1', /icmp_type=135 or 136/],
    ['nw_tos=4,actions=drop', 'nw_tos=4', /requires dl_type/],
    ['ip,nw_tos=17,actions=drop', 'nw_tos=17', /multiple of 4/],
    ['dl_vlan=4096,actions=drop', 'dl_vlan=4096', /0\.\.4095/],
    ['dl_vlan_pcp=8,actions=drop', 'dl_vlan_pcp=8', /0\.\.7/],
    ['vlan_tci=0x2000/0xe000,actions=drop', 'vlan_tci=0x2000/0xe000', /VLAN-present bit/],
    ['vlan_tci=0x1005/0xefff,actions=drop', 'vlan_tci=0x1005/0xefff', /VLAN-present bit/],
    ['vlan_tci=0x3005/0x3fff,actions=drop', 'vlan_tci=0x3005/0x3fff', /PCP bits/],
    ['table=255,actions=drop', 'table=255', /0\.\.254/],
    ['table=256,actions=drop', 'table=256', /too large/],
    ['priority=65536,actions=drop', 'priority=65536', /too large for a 16-bit/],
    ['priority=010,actions=drop', 'priority=010', /leading zeros/],
    ['in_port=vnet0,actions=drop', 'in_port=vnet0', /unknown port name "vnet0"/],
    ['in_port=70000,actions=drop', 'in_port=70000', /outside the supported range/],
    ['ip,nw_src=,actions=drop', 'nw_src=', /missing value/],
    ['tcp=1,actions=drop', 'tcp=1', /takes no value/],
    ['in_port=1', 'in_port=1', /must specify actions/],
    ['cookie=1/1,actions=drop', 'cookie=1/1', /cannot use a cookie mask/],
    ['cookie=0xffffffffffffffff,actions=drop', 'cookie=0xffffffffffffffff', /reserved/],
    ['out_port=1,actions=drop', 'out_port=1', /not allowed in add-flow/],
    ['output:1,actions=drop', 'output:1', /must follow "actions="/],
  ])('%s', (flow, token, reason) => {
    const e = refusal(flow);
    expect(e.token).toBe(token);
    expect(e.reason).toMatch(reason);
    expect(e.message).toBe(`${token}: ${e.reason}`);
    expect(e.line).toBeUndefined();
  });
});

describe('ports', () => {
  const resolvePort = (name: string): number | undefined => ({ vnet0: 7, tap1: 9 })[name];

  it('accepts reserved names in any case and prints them upper case', () => {
    expect(parseMatch('in_port=local').in_port!.value).toBe(OFPP.LOCAL);
    expect(canon('in_port=NONE,actions=drop')).toBe('in_port=ANY actions=drop');
    expect(canon('actions=in_port,normal,flood,all,local')).toBe('actions=IN_PORT,NORMAL,FLOOD,ALL,LOCAL');
  });

  it('resolves names through the callback', () => {
    expect(canon2('in_port=vnet0,actions=output:tap1,tap1')).toBe('in_port=7 actions=output:9,output:9');
    function canon2(flow: string): string {
      return formatFlow(parseFlow(flow, { resolvePort }));
    }
    expect(refusal('actions=output:eth9', { resolvePort }).reason).toMatch(/unknown port name "eth9"/);
  });

  it('refuses to output to ANY and unknown bare words', () => {
    expect(refusal('actions=output:ANY').reason).toMatch(/ANY/);
    expect(refusal('actions=frobnicate').token).toBe('frobnicate');
  });
});

describe('actions', () => {
  it.each<[string, string]>([
    ['actions=output:2', 'actions=output:2'],
    ['actions=2,3', 'actions=output:2,output:3'],
    ['actions=controller', 'actions=CONTROLLER:65535'],
    ['actions=output:CONTROLLER', 'actions=CONTROLLER:65535'],
    ['actions=controller:100', 'actions=CONTROLLER:100'],
    ['actions=controller(max_len=128)', 'actions=CONTROLLER:128'],
    ['actions=', 'actions=drop'],
    ['actions=drop', 'actions=drop'],
    ['actions=mod_vlan_vid:10', 'actions=push_vlan:0x8100,set_field:4106->vlan_vid'],
    ['dl_vlan=5,actions=mod_vlan_vid:10', 'dl_vlan=5 actions=set_field:4106->vlan_vid'],
    ['actions=mod_vlan_pcp:3', 'actions=push_vlan:0x8100,set_field:3->vlan_pcp'],
    ['actions=push_vlan:0x8100,set_field:4101->vlan_vid', 'actions=push_vlan:0x8100,set_field:4101->vlan_vid'],
    ['dl_vlan=5,actions=strip_vlan', 'dl_vlan=5 actions=pop_vlan'],
    ['actions=mod_dl_src:00:11:22:33:44:55,mod_dl_dst:aa:bb:cc:dd:ee:ff', 'actions=set_field:00:11:22:33:44:55->eth_src,set_field:aa:bb:cc:dd:ee:ff->eth_dst'],
    ['ip,actions=mod_nw_src:1.2.3.4,mod_nw_dst:5.6.7.8', 'ip actions=set_field:1.2.3.4->ip_src,set_field:5.6.7.8->ip_dst'],
    ['ip,actions=mod_nw_tos:8', 'ip actions=set_field:2->ip_dscp'],
    ['tcp,actions=mod_tp_src:1,mod_tp_dst:2', 'tcp actions=set_field:1->tcp_src,set_field:2->tcp_dst'],
    ['udp6,actions=mod_tp_dst:53', 'udp6 actions=set_field:53->udp_dst'],
    ['sctp,actions=mod_tp_dst:9', 'sctp actions=set_field:9->sctp_dst'],
    ['ip,actions=dec_ttl,mod_nw_ttl:9', 'ip actions=dec_ttl,mod_nw_ttl:9'],
    ['ip,actions=set_field:10.0.0.1->ip_dst,set_field:1->ip_ecn', 'ip actions=set_field:10.0.0.1->ip_dst,set_field:1->nw_ecn'],
    ['ipv6,actions=set_field:fe80::1->ipv6_dst,set_field:5->ipv6_label', 'ipv6 actions=set_field:fe80::1->ipv6_dst,set_field:0x5->ipv6_label'],
    ['actions=set_field:0x5->metadata', 'actions=set_field:0x5->metadata'],
    ['actions=set_field:LOCAL->in_port', 'actions=set_field:LOCAL->in_port'],
    ['arp,actions=set_field:2->arp_op,set_field:1.2.3.4->arp_tpa', 'arp actions=set_field:2->arp_op,set_field:1.2.3.4->arp_tpa'],
    ['actions=resubmit(,3),resubmit:4,resubmit(5,6),resubmit(IN_PORT,2)', 'actions=resubmit(,3),resubmit:4,resubmit(5,6),resubmit(,2)'],
    ['actions=goto_table:1', 'actions=goto_table:1'],
    ['actions=set_queue:1,output:2,pop_queue', 'actions=set_queue:1,output:2,pop_queue'],
    ['actions=enqueue:2:7', 'actions=set_queue:7,output:2,pop_queue'],
    ['actions=output:1,clear_actions,write_actions(output:2),write_metadata:0x5/0xff,goto_table:3', 'actions=output:1,clear_actions,write_actions(output:2),write_metadata:0x5/0xff,goto_table:3'],
    ['actions=write_metadata:5', 'actions=write_metadata:0x5'],
  ])('%s → %s', (input, printed) => {
    expect(canon(input)).toBe(printed);
    expect(canon(printed)).toBe(printed);
  });

  it('gives a discriminated union', () => {
    const spec = parseFlow('dl_vlan=5,actions=mod_vlan_vid:6,pop_vlan,resubmit(,2),CONTROLLER:9,output:1,goto_table:4');
    expect(spec.actions).toEqual([
      { type: 'set_field', field: 'vlan_vid', value: 0x1006 },
      { type: 'pop_vlan' },
      { type: 'resubmit', table: 2 },
      { type: 'controller', maxLen: 9 },
      { type: 'output', port: 1 },
    ]);
    expect(spec.instructions).toEqual({ gotoTable: 4 });
    expect(parseFlow('actions=write_metadata:0x1/0x3').instructions.writeMetadata).toEqual({ value: 1n, mask: 3n });
  });

  it.each<[string, string, RegExp]>([
    ['actions=mod_tp_dst:80', 'mod_tp_dst:80', /requires tcp, udp or sctp/],
    ['icmp,actions=mod_tp_dst:80', 'mod_tp_dst:80', /requires tcp, udp or sctp/],
    ['actions=mod_nw_src:1.2.3.4', 'mod_nw_src:1.2.3.4', /requires dl_type=0x0800/],
    ['arp,actions=mod_nw_src:1.2.3.4', 'mod_nw_src:1.2.3.4', /requires dl_type=0x0800/],
    ['actions=dec_ttl', 'dec_ttl', /requires dl_type=0x0800 \(ip\) or 0x86dd/],
    ['actions=strip_vlan', 'strip_vlan', /VLAN header/],
    ['dl_vlan=5,actions=pop_vlan,set_field:4101->vlan_vid', 'set_field:4101->vlan_vid', /VLAN header/],
    ['dl_vlan=5,actions=set_field:5->vlan_vid', 'set_field:5->vlan_vid', /4096\+VID/],
    ['tcp,actions=set_field:1->udp_src', 'set_field:1->udp_src', /requires udp/],
    ['ip,actions=set_field:4->ip_ecn', 'set_field:4->ip_ecn', /too large/],
    ['actions=set_field:1->foo', 'set_field:1->foo', /not a field/],
    ['actions=set_field:0x5/0xff->metadata', 'set_field:0x5/0xff->metadata', /masked/],
    ['ip,actions=mod_nw_tos:3', 'mod_nw_tos:3', /multiple of 4/],
    ['actions=mod_vlan_vid:4096', 'mod_vlan_vid:4096', /0\.\.4095/],
    ['actions=mod_vlan_pcp:8', 'mod_vlan_pcp:8', /0\.\.7/],
    ['actions=push_vlan:0x1234', 'push_vlan:0x1234', /VLAN ethertype/],
    ['actions=controller:65536', 'controller:65536', /too large/],
    ['actions=controller(reason=no_match)', 'controller(reason=no_match)', /not supported/],
    ['actions=resubmit(,255)', 'resubmit(,255)', /at least one/],
    ['actions=set_queue:8,output:2', 'set_queue:8', /queue 8 is outside the queue table \(queue ids are 0 to 7\)/],
    ['actions=enqueue:2:8', 'enqueue:2:8', /outside the queue table/],
    ['actions=enqueue:2', 'enqueue:2', /expected enqueue:PORT:QUEUE/],
    ['actions=dec_ttl(1,2)', 'dec_ttl(1,2)', /not supported/],
    ['actions=output:2,drop', 'drop', /must not be accompanied/],
    ['table=3,actions=goto_table:3', 'goto_table:3', /later table/],
    ['actions=goto_table:255', 'goto_table:255', /0\.\.254/],
    ['actions=goto_table:1,output:1', 'output:1', /apply_actions must appear before goto_table/],
    ['actions=write_metadata:1,clear_actions', 'clear_actions', /clear_actions must appear before write_metadata/],
    ['actions=goto_table:1,goto_table:2', 'goto_table:2', /duplicate goto_table/],
    ['actions=write_actions(goto_table:1)', 'goto_table:1', /not allowed inside write_actions/],
    ['actions=write_actions(mod_tp_dst:1)', 'mod_tp_dst:1', /requires tcp/],
  ])('refuses %s', (flow, token, reason) => {
    const e = refusal(flow);
    expect(e.token).toBe(token);
    expect(e.reason).toMatch(reason);
  });
});

describe('modify and delete contexts', () => {
  it('modify: table defaults to all, cookie sets or selects', () => {
    const set = parseFlow('cookie=0x5,ip,actions=drop', { context: 'modify' });
    expect(set).toMatchObject({ table: TABLE_ALL, cookie: 5n });
    expect(set.cookieMask).toBeUndefined();
    const sel = parseFlow('cookie=0x15/0xf,actions=drop', { context: 'modify' });
    expect(sel).toMatchObject({ cookie: 5n, cookieMask: 0xfn });
    expect(refusal('cookie=1,cookie=1/1,actions=drop', { context: 'modify' }).reason).toMatch(/cannot both/);
    expect(refusal('ip', { context: 'modify' }).reason).toMatch(/must specify actions/);
  });

  it('delete: a filter with table, priority, cookie mask and out_port; no actions', () => {
    const spec = parseFlow('table=2,priority=10,cookie=0x1/0xff,out_port=LOCAL,ip,nw_dst=10.0.0.0/8', { context: 'delete' });
    expect(spec).toMatchObject({ table: 2, priority: 10, cookie: 1n, cookieMask: 0xffn, outPort: OFPP.LOCAL, actions: [] });
    expect(parseFlow('', { context: 'delete' }).table).toBe(TABLE_ALL);
    expect(parseFlow('table=255', { context: 'delete' }).table).toBe(TABLE_ALL);
    expect(refusal('in_port=1,actions=drop', { context: 'delete' }).reason).toMatch(/not actions/);
    expect(refusal('cookie=1', { context: 'delete' }).reason).toMatch(/cannot set a cookie/);
    expect(refusal('idle_timeout=1', { context: 'delete' }).reason).toMatch(/not allowed in del-flows/);
    expect(refusal('nw_src=1.2.3.4', { context: 'delete' }).reason).toMatch(/requires dl_type/);
  });

  it('formatFilter prints a filter that parses back', () => {
    for (const text of ['table=2, cookie=0x1/0xff, out_port=LOCAL, priority=10,ip', 'in_port=1', '', 'table=0, tcp']) {
      const spec = parseFlow(text, { context: 'delete' });
      expect(parseFlow(formatFilter(spec), { context: 'delete' })).toEqual(spec);
    }
    expect(formatFilter(parseFlow('cookie=0x1/0xff,table=2,ip', { context: 'delete' }))).toBe('cookie=0x1/0xff, table=2, ip');
  });

  it('parseMatch takes match fields only', () => {
    expect(parseMatch('')).toEqual({});
    expect(parseMatch('tcp,tp_dst=80')).toMatchObject({ tp_dst: { value: 80, mask: 0xffff } });
    expect(() => parseMatch('priority=5')).toThrow(/not a match field/);
    expect(() => parseMatch('tp_dst=80')).toThrow(FlowSyntaxError);
  });
});

describe('add-flows files', () => {
  it('skips comments and blank lines and joins continued lines', () => {
    const flows = parseFlowsFile(['# bridge br0', '', 'priority=0,actions=NORMAL', '  tcp,tp_dst=22, \\', '  actions=drop   # ssh', ''].join('\n'));
    expect(flows.map((f) => formatFlow(f))).toEqual(['priority=0 actions=NORMAL', 'tcp,tp_dst=22 actions=drop']);
  });

  it('rejects the whole file at the first bad line, with its number', () => {
    const text = ['priority=0,actions=NORMAL', '# comment', '', 'ip,tp_dst=80,actions=drop', 'foo=1,actions=drop'].join('\n');
    let error: unknown;
    try {
      parseFlowsFile(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowSyntaxError);
    const e = error as FlowSyntaxError;
    expect(e.line).toBe(4);
    expect(e.token).toBe('tp_dst=80');
    expect(e.message).toBe('line 4: tp_dst=80: requires tcp, udp or sctp (nw_proto=6, 17 or 132 with ip or ipv6)');
  });

  it('handles CRLF files', () => {
    expect(parseFlowsFile('actions=drop\r\nip,actions=drop\r\n')).toHaveLength(2);
  });
});

describe('formatFlow', () => {
  const spec = parseFlow('table=1,cookie=0x2a,priority=100,idle_timeout=10,hard_timeout=30,send_flow_rem,tcp,tp_dst=80,actions=output:2');

  it('prints the dump-flows --no-stats form', () => {
    expect(formatFlow(spec)).toBe('cookie=0x2a, table=1, idle_timeout=10, hard_timeout=30, send_flow_rem priority=100,tcp,tp_dst=80 actions=output:2');
    expect(formatFlow(parseFlow('actions=drop'))).toBe('actions=drop');
  });

  it('prints the dump-flows line with stats', () => {
    expect(formatFlow(spec, { durationSec: 12.5, nPackets: 3, nBytes: 180n, idleAge: 2 })).toBe(
      'cookie=0x2a, duration=12.500s, table=1, n_packets=3, n_bytes=180, idle_timeout=10, hard_timeout=30, send_flow_rem idle_age=2, priority=100,tcp,tp_dst=80 actions=output:2',
    );
    expect(formatFlow(parseFlow('priority=0,actions=NORMAL'), { durationSec: 7, nPackets: 0, nBytes: 0, hardAge: 3 })).toBe(
      'cookie=0x0, duration=7s, table=0, n_packets=0, n_bytes=0, hard_age=3, priority=0 actions=NORMAL',
    );
  });

  it('reads a dump-flows line back (stats are ignored)', () => {
    const line = formatFlow(spec, { durationSec: 1.25, nPackets: 9, nBytes: 900, idleAge: 0 });
    expect(formatFlow(parseFlow(line))).toBe(formatFlow(spec));
  });
});

describe('round trips', () => {
  const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

  const MATCH = [
    'in_port=3', 'in_port=LOCAL', 'dl_src=00:11:22:33:44:55', 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00', 'dl_vlan=7',
    'dl_vlan_pcp=5', 'vlan_tci=0x1000/0x1000', 'dl_vlan=0xffff', 'metadata=0x10/0xf0', 'ip', 'ipv6', 'arp', 'tcp', 'udp',
    'icmp', 'icmp6', 'tcp6', 'sctp', 'nw_src=10.0.0.0/8', 'nw_dst=192.168.1.1', 'nw_tos=8', 'nw_ecn=2', 'nw_ttl=3',
    'tp_src=1000', 'tp_dst=0x100/0xff00', 'icmp_type=3', 'icmp_code=4', 'arp_op=2', 'arp_sha=00:00:00:00:00:01',
    'ipv6_src=fe80::/10', 'ipv6_label=0x1', 'tcp_flags=+syn', 'nd_target=fe80::1', 'priority=12', 'table=4', 'cookie=0x99',
    'idle_timeout=5', 'check_overlap',
  ];
  const ACTIONS = [
    'output:1', 'LOCAL', 'normal', 'controller:64', 'mod_vlan_vid:9', 'mod_vlan_pcp:1', 'strip_vlan', 'push_vlan:0x88a8',
    'mod_dl_src:00:00:00:00:00:02', 'mod_nw_dst:1.1.1.1', 'mod_nw_tos:4', 'mod_tp_dst:8080', 'dec_ttl',
    'set_field:4100->vlan_vid', 'set_field:1->nw_ecn', 'resubmit(,9)', 'resubmit:2',
  ];
  const TAIL = ['', ',clear_actions', ',write_actions(output:3)', ',write_metadata:0x1/0x1', ',goto_table:200'];

  it('formatFlow(parseFlow(formatFlow(x))) === formatFlow(x) over 3000 random flows', () => {
    const r = prng(42);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const tokens = Array.from({ length: Math.floor(r() * 5) }, () => pick(r, MATCH));
      const acts = Array.from({ length: Math.floor(r() * 4) }, () => pick(r, ACTIONS));
      const text = `${tokens.join(',')}${tokens.length ? ',' : ''}actions=${acts.join(',')}${pick(r, TAIL)}`;
      let spec: FlowSpec;
      try {
        spec = parseFlow(text);
      } catch (e) {
        expect(e, text).toBeInstanceOf(FlowSyntaxError);
        continue;
      }
      accepted++;
      const printed = formatFlow(spec);
      const again = parseFlow(printed);
      expect(formatFlow(again), text).toBe(printed);
      expect(again, text).toEqual(spec);
    }
    expect(accepted).toBeGreaterThan(500);
  });

  it('canonical strings print back unchanged', () => {
    for (const s of [
      'priority=0 actions=NORMAL',
      'cookie=0x5, table=1, idle_timeout=10, hard_timeout=20, send_flow_rem check_overlap priority=100,tcp actions=drop',
      'tcp,nw_src=10.0.0.0/24,tp_dst=80 actions=output:2',
      'dl_vlan=5,dl_vlan_pcp=3 actions=set_field:4106->vlan_vid,set_field:2->vlan_pcp',
      'in_port=LOCAL,dl_src=01:00:00:00:00:00/01:00:00:00:00:00 actions=CONTROLLER:65535',
      'ipv6,ipv6_src=2001:db8::/32,ipv6_dst=::1,ipv6_label=0x12345 actions=drop',
      'metadata=0x5/0xff actions=clear_actions,write_metadata:0x5/0xff,goto_table:3',
    ]) {
      expect(canon(s)).toBe(s);
    }
  });
});
