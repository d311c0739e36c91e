// The OpenFlow 1.3 codec alone: every message type round-trips, every malformed
// message is the spec's OFPT_ERROR type/code, and (fast-check) random bytes and
// mutated messages never make the decoder throw anything but OfDecodeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFlow } from '../../src/ofproto/flow.js';
import {
  decodeMessage,
  encodeMessage,
  errorFor,
  negotiateVersion,
  OfDecodeError,
  OFPBAC,
  OFPBIC,
  OFPBMC,
  OFPBRC,
  OFPFMFC,
  OFPGMFC,
  OFPMMFC,
  OFPRRFC,
  type FlowModMsg,
  type MultipartReplyMsg,
  type OfMessage,
  splitMultipartReply,
} from '../../src/openflow/wire/index.js';
import { FLOWS, flowMod, sampleMessages } from './openflow-samples.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The decode error of `buf`, or a failed expectation. */
function decodeError(buf: Buffer): OfDecodeError {
  try {
    decodeMessage(buf);
  } catch (e) {
    expect(e).toBeInstanceOf(OfDecodeError);
    return e as OfDecodeError;
  }
  throw new Error(`decoded without error: ${buf.toString('hex')}`);
}

function expectError(buf: Buffer, errType: string, errCode: number): OfDecodeError {
  const e = decodeError(buf);
  expect({ errType: e.errType, errCode: e.errCode, message: e.message }).toMatchObject({ errType, errCode });
  expect(e.internal).toBe(false);
  return e;
}

/** A message's bytes with its length field fixed after editing. */
function withLength(buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  b.writeUInt16BE(b.length, 2);
  return b;
}

// A flow_mod header (cookie 0, mask 0, table 0, ADD, priority 0x8000, no buffer, any port/group, flags 0) + the given match and instructions.
function flowModBytes(match: string, instructions = '', table = '00', command = '00', flags = '0000'): Buffer {
  const m = hex(match);
  const len = 4 + m.length;
  const matchBytes = Buffer.concat([hex('0001'), Buffer.from([len >> 8, len & 0xff]), m, Buffer.alloc((8 - (len % 8)) % 8)]);
  const head = hex(`040e0000 00000009 0000000000000000 0000000000000000 ${table}${command} 0000 0000 8000 ffffffff ffffffff ffffffff ${flags} 0000`);
  return withLength(Buffer.concat([head, matchBytes, hex(instructions)]));
}
const IP = '80000a020800';
const TCP = `${IP} 80001401 06`;
/** An apply-actions instruction holding `actions`. */
const apply = (actions: string): string => {
  const a = hex(actions);
  return `0004${(8 + a.length).toString(16).padStart(4, '0')}00000000${a.toString('hex')}`;
};

describe('OpenFlow 1.3 codec: round trips', () => {
  it.each(sampleMessages().map((m) => [`${m.type} xid=${m.xid}`, m] as const))('%s', (_name, msg) => {
    const bytes = encodeMessage(msg);
    expect(bytes.readUInt16BE(2)).toBe(bytes.length);
    expect(decodeMessage(bytes)).toEqual(msg);
    expect(encodeMessage(decodeMessage(bytes)).equals(bytes)).toBe(true);
  });

  it('every flow of the samples round-trips as a FLOW_MOD carrying parseFlow’s spec', () => {
    for (const text of FLOWS) {
      const msg = flowMod(text);
      expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
    }
  });

  it('decodes the FLOW_MOD bytes ovs-ofctl sent for a flow to parseFlow of the same text (captured)', () => {
    // ovs-ofctl -O OpenFlow13 add-flow SOCK "tcp,tp_dst=80,tcp_flags=+syn-ack,nw_ttl=5,actions=set_field:64->nw_ttl,mod_nw_ttl:9,dec_ttl,controller(max_len=100),resubmit(,3),resubmit:4,set_queue:1,pop_queue"
    const captured = hex(
      '040e00c800000006000000000000000000000000000000000000000000008000ffffffffffffffffffffffff000000000001002680000a0208000001' +
        '3a0105800014010680001c020050ffff55084f4e460000020012000000040070000000000019001000013a0140000000000000000017000809000000' +
        '001800080000000000000010fffffffd0064000000000000ffff001000002320000efff803000000ffff001000002320000e0004ff00000000150008' +
        '00000001ffff0010000023200005000000000000',
    );
    const text = 'tcp,tp_dst=80,tcp_flags=+syn-ack,nw_ttl=5,actions=set_field:64->nw_ttl,mod_nw_ttl:9,dec_ttl,controller(max_len=100),resubmit(,3),resubmit:4,set_queue:1,pop_queue';
    expect(decodeMessage(captured)).toEqual({ ...flowMod(text), xid: 6 });
  });

  it('splits a long multipart reply into messages under 64 KiB, REPLY_MORE on all but the last', () => {
    const entry = (n: number) => ({
      spec: { ...parseFlow(`priority=${n},tcp,nw_dst=10.0.${n >> 8}.${n & 255},tp_dst=${n} actions=output:1,output:2`), cookieGiven: undefined },
      flags: { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPktCounts: false, noBytCounts: false },
      durationSec: n,
      durationNsec: 0,
      packetCount: BigInt(n),
      byteCount: BigInt(n * 64),
    });
    const flows = Array.from({ length: 3000 }, (_, i) => entry(i));
    for (const f of flows) delete f.spec.cookieGiven;
    const reply: MultipartReplyMsg = { type: 'multipart_reply', xid: 9, flags: 0, body: { mpType: 'flow', flows } };
    const parts = splitMultipartReply(reply);
    expect(parts.length).toBeGreaterThan(2);
    const decoded = parts.map((p) => decodeMessage(encodeMessage(p)) as MultipartReplyMsg);
    for (const p of parts) expect(encodeMessage(p).length).toBeLessThanOrEqual(65535);
    expect(decoded.map((d) => d.flags)).toEqual([...parts.slice(1).map(() => 1), 0]);
    expect(decoded.flatMap((d) => (d.body.mpType === 'flow' ? d.body.flows : []))).toEqual(flows);
    expect(() => encodeMessage(reply)).toThrow(RangeError);
    const short: MultipartReplyMsg = { ...reply, body: { mpType: 'flow', flows: flows.slice(0, 3) } };
    expect(splitMultipartReply(short)).toEqual([short]);
  });
});

describe('OpenFlow 1.3 codec: HELLO and version negotiation', () => {
  it('decodes the version bitmap of every version’s hello', () => {
    // OpenFlow 1.0 hello: header only.
    expect(decodeMessage(hex('0100000800000001'))).toEqual({ type: 'hello', xid: 1, version: 1 });
    // 1.5 hello offering 1.0, 1.4 and 1.5.
    expect(decodeMessage(hex('0600001000000002 00010008 00000072'))).toEqual({ type: 'hello', xid: 2, version: 6, versions: [1, 4, 5, 6] });
    expect(decodeMessage(hex('0500001000000003 00010008 00000032'))).toMatchObject({ version: 5, versions: [1, 4, 5] });
    // Unknown elements are skipped, as OVS does.
    expect(decodeMessage(hex('0400001800000004 00070008 01020304 00010008 00000010'))).toEqual({ type: 'hello', xid: 4, version: 4, versions: [4] });
  });

  it('negotiates 1.3, or nothing (HELLO_FAILED/INCOMPATIBLE is the connection’s answer)', () => {
    const h = (version: number, versions?: number[]) => ({ type: 'hello' as const, xid: 0, version, ...(versions ? { versions } : {}) });
    expect(negotiateVersion(h(6, [1, 4, 5, 6]), [4])).toBe(4);
    expect(negotiateVersion(h(4), [4])).toBe(4);
    expect(negotiateVersion(h(6), [4])).toBe(4); // no bitmap: every version up to the header's
    expect(negotiateVersion(h(1), [4])).toBeUndefined();
    expect(negotiateVersion(h(5, [1, 5]), [4])).toBeUndefined();
    expect(negotiateVersion(h(2, [2, 3]), [4])).toBeUndefined();
  });
});

describe('OpenFlow 1.3 codec: malformed messages get the spec’s error', () => {
  it('header: short, bad length, bad version, bad type, trailing bytes', () => {
    expectError(hex('040000'), 'BAD_REQUEST', OFPBRC.BAD_LEN);
    const e = expectError(hex('0405001000000007'), 'BAD_REQUEST', OFPBRC.BAD_LEN);
    expect(e.xid).toBe(7);
    expect(e.data.toString('hex')).toBe('0405001000000007');
    expectError(hex('0105000800000001'), 'BAD_REQUEST', OFPBRC.BAD_VERSION);
    expectError(hex('0605000800000001'), 'BAD_REQUEST', OFPBRC.BAD_VERSION);
    expectError(hex('0463000800000001'), 'BAD_REQUEST', OFPBRC.BAD_TYPE);
    expectError(hex('041e000800000001'), 'BAD_REQUEST', OFPBRC.BAD_TYPE); // ROLE_STATUS: OpenFlow 1.4
    expectError(hex('0416000c0000000100000001'), 'BAD_REQUEST', OFPBRC.BAD_LEN); // QUEUE_GET_CONFIG_REQUEST cut short
    expectError(hex('0405000c0000000100000000'), 'BAD_REQUEST', OFPBRC.BAD_LEN);
    expectError(hex('0409000a000000010000'), 'BAD_REQUEST', OFPBRC.BAD_LEN); // SET_CONFIG cut short
  });

  it('the error reply carries the xid and the first 64 bytes', () => {
    const long = flowModBytes(`${IP} 80000000`.replace('80000000', '80000204 00000001'), apply('0000001000000001ffff000000000000'));
    const e = expectError(long, 'BAD_MATCH', OFPBMC.BAD_FIELD);
    const reply = errorFor(e);
    expect(reply).toEqual({ type: 'error', xid: 9, errType: 'BAD_MATCH', code: OFPBMC.BAD_FIELD, data: long.subarray(0, 64) });
    expect(decodeMessage(encodeMessage(reply))).toEqual(reply);
  });

  it('multipart: unknown and experimenter types', () => {
    expectError(hex('0412001000000001 00200000 00000000'), 'BAD_REQUEST', OFPBRC.BAD_MULTIPART);
    expectError(hex('0412001000000001 ffff0000 00000000'), 'BAD_REQUEST', OFPBRC.BAD_EXPERIMENTER);
    expectError(hex('0412001400000001 00040000 00000000 00000001'), 'BAD_REQUEST', OFPBRC.BAD_LEN); // PORT_STATS body cut short
  });

  it('matches: BAD_FIELD, DUP_FIELD, BAD_PREREQ, BAD_MASK, BAD_WILDCARDS, BAD_VALUE, BAD_LEN, BAD_TYPE', () => {
    expectError(flowModBytes('80000204 00000001'), 'BAD_MATCH', OFPBMC.BAD_FIELD); // IN_PHY_PORT
    expectError(flowModBytes(`${IP} 80004404 00000001`), 'BAD_MATCH', OFPBMC.BAD_FIELD); // MPLS_LABEL
    expectError(flowModBytes('80004c08 0000000000000001'), 'BAD_MATCH', OFPBMC.BAD_FIELD); // TUNNEL_ID
    expectError(flowModBytes('00010004 00000001'), 'BAD_MATCH', OFPBMC.BAD_FIELD); // NXM_NX_REG0
    expectError(flowModBytes(`${IP} ${IP}`), 'BAD_MATCH', OFPBMC.DUP_FIELD);
    expectError(flowModBytes(`${IP} 80001604 0a000001 80002c04 0a000001`), 'BAD_MATCH', OFPBMC.DUP_FIELD); // ip_src and arp_spa: one slot
    expectError(flowModBytes('80001c02 0050'), 'BAD_MATCH', OFPBMC.BAD_PREREQ); // tcp_dst alone
    expectError(flowModBytes(`${IP} 80001c02 0050`), 'BAD_MATCH', OFPBMC.BAD_PREREQ); // tcp_dst without ip_proto=6
    expectError(flowModBytes(`${IP} 80001401 11 80001c02 0050`), 'BAD_MATCH', OFPBMC.BAD_PREREQ); // tcp_dst with udp
    expectError(flowModBytes('80000e01 03'), 'BAD_MATCH', OFPBMC.BAD_PREREQ); // vlan_pcp without vlan_vid
    expectError(flowModBytes('80000c02 0000 80000e01 03'), 'BAD_MATCH', OFPBMC.BAD_PREREQ); // vlan_pcp with "no VLAN"
    expectError(flowModBytes(`${TCP} 80003e10 ${'00'.repeat(16)}`), 'BAD_MATCH', OFPBMC.BAD_PREREQ); // nd_target needs icmp6 ND
    expectError(flowModBytes('80000b04 08000800'), 'BAD_MATCH', OFPBMC.BAD_MASK); // masked eth_type
    expectError(flowModBytes(`${IP} 80001708 0a000001 ffffff00`), 'BAD_MATCH', OFPBMC.BAD_WILDCARDS);
    expectError(flowModBytes('80000c02 1005 80000e01 09'), 'BAD_MATCH', OFPBMC.BAD_VALUE); // pcp 9
    expectError(flowModBytes(`${IP} 80001001 40`), 'BAD_MATCH', OFPBMC.BAD_VALUE); // dscp 64
    expectError(flowModBytes('80000c02 0005'), 'BAD_MATCH', OFPBMC.BAD_VALUE); // vid without the present bit
    expectError(flowModBytes('80000a03 080000'), 'BAD_MATCH', OFPBMC.BAD_LEN);
    expectError(flowModBytes('80000a04 0800'), 'BAD_MATCH', OFPBMC.BAD_LEN); // runs past the match
    const standard = flowModBytes('');
    standard.writeUInt16BE(0, 48); // OFPMT_STANDARD
    expectError(standard, 'BAD_MATCH', OFPBMC.BAD_TYPE);
  });

  it('matches: the prerequisites may come after the field (OVS accepts any order)', () => {
    const msg = decodeMessage(flowModBytes(`80001c02 0050 80001401 06 ${IP}`)) as FlowModMsg;
    expect(msg.spec.match).toEqual(parseFlow('tcp,tp_dst=80 actions=drop').match);
  });

  it('actions: BAD_TYPE, BAD_EXPERIMENTER, BAD_EXP_TYPE, BAD_LEN, BAD_OUT_PORT, BAD_SET_*, MATCH_INCONSISTENT', () => {
    expectError(flowModBytes(IP, apply('000b000800000000')), 'BAD_ACTION', OFPBAC.BAD_TYPE); // COPY_TTL_OUT
    expectError(flowModBytes(IP, apply('0013000888470000')), 'BAD_ACTION', OFPBAC.BAD_TYPE); // PUSH_MPLS
    expectError(flowModBytes(IP, apply('ffff0010 00abcdef 0000000000000000')), 'BAD_ACTION', OFPBAC.BAD_EXPERIMENTER);
    expectError(flowModBytes(IP, apply('ffff0010 00002320 0063000000000000')), 'BAD_ACTION', OFPBAC.BAD_EXP_TYPE);
    expectError(flowModBytes(IP, apply('0000000800000001')), 'BAD_ACTION', OFPBAC.BAD_LEN); // OUTPUT of 8 bytes
    expectError(flowModBytes(IP, apply('0000000c00000001ffff000000000000')), 'BAD_ACTION', OFPBAC.BAD_LEN); // not a multiple of 8
    expectError(flowModBytes(IP, apply('00000010ffffffff0000000000000000')), 'BAD_ACTION', OFPBAC.BAD_OUT_PORT);
    expectError(flowModBytes(IP, apply('0019001080000a02 0800000000000000')), 'BAD_ACTION', OFPBAC.BAD_SET_TYPE); // eth_type
    expectError(flowModBytes(IP, apply('0019001000010004 0000000100000000')), 'BAD_ACTION', OFPBAC.BAD_SET_TYPE); // reg0
    expectError(flowModBytes(IP, apply('0019001080000a03 0800000000000000')), 'BAD_ACTION', OFPBAC.BAD_SET_LEN);
    expectError(flowModBytes('', apply('0011000881000000 0019001080000c02 0005000000000000')), 'BAD_ACTION', OFPBAC.BAD_SET_ARGUMENT);
    expectError(flowModBytes(IP, apply('0019001080001c02 0050000000000000')), 'BAD_ACTION', OFPBAC.MATCH_INCONSISTENT); // tcp_dst on ip
    expectError(flowModBytes('', apply('0012000800000000')), 'BAD_ACTION', OFPBAC.MATCH_INCONSISTENT); // pop_vlan, no VLAN
    expectError(flowModBytes('', apply('0019001080000c02 1005000000000000')), 'BAD_ACTION', OFPBAC.MATCH_INCONSISTENT); // vlan_vid, no VLAN
    expectError(flowModBytes('', apply('0018000800000000')), 'BAD_ACTION', OFPBAC.MATCH_INCONSISTENT); // dec_ttl, not ip
    expectError(flowModBytes(IP, apply('0011000808000000')), 'BAD_ACTION', OFPBAC.BAD_ARGUMENT); // push_vlan 0x0800
    // push_vlan then set vlan_vid is consistent.
    const ok = decodeMessage(flowModBytes('', apply('0011000881000000 0019001080000c02 1005000000000000'))) as FlowModMsg;
    expect(ok.spec.actions).toEqual(parseFlow('actions=push_vlan:0x8100,set_field:4101->vlan_vid').actions);
  });

  it('instructions: UNKNOWN_INST, BAD_EXPERIMENTER, BAD_TABLE_ID, UNSUP_INST, BAD_LEN', () => {
    expectError(flowModBytes(IP, '0007000800000000'), 'BAD_INSTRUCTION', OFPBIC.UNKNOWN_INST);
    expectError(flowModBytes(IP, 'ffff000800002320'), 'BAD_INSTRUCTION', OFPBIC.BAD_EXPERIMENTER);
    expectError(flowModBytes(IP, '0001000800000000', '03'), 'BAD_INSTRUCTION', OFPBIC.BAD_TABLE_ID); // goto 0 from 3
    expectError(flowModBytes(IP, '00010008ff000000'), 'BAD_INSTRUCTION', OFPBIC.BAD_TABLE_ID);
    expectError(flowModBytes(IP, '0005000800000000 0005000800000000'), 'BAD_INSTRUCTION', OFPBIC.UNSUP_INST);
    expectError(flowModBytes(IP, '000100100300000000000000000000000'.slice(0, 32)), 'BAD_INSTRUCTION', OFPBIC.BAD_LEN);
    expectError(flowModBytes(IP, '00060008'), 'BAD_INSTRUCTION', OFPBIC.BAD_LEN);
  });

  it('flow_mod: BAD_COMMAND, BAD_FLAGS, BAD_TABLE_ID', () => {
    expectError(flowModBytes(IP, '', '00', '07'), 'FLOW_MOD_FAILED', OFPFMFC.BAD_COMMAND);
    expectError(flowModBytes(IP, '', '00', '00', '0080'), 'FLOW_MOD_FAILED', OFPFMFC.BAD_FLAGS);
    expectError(flowModBytes(IP, '', 'ff', '00'), 'FLOW_MOD_FAILED', OFPFMFC.BAD_TABLE_ID);
    expectError(flowModBytes(IP, '', 'ff', '01'), 'FLOW_MOD_FAILED', OFPFMFC.BAD_TABLE_ID);
    expect(decodeMessage(flowModBytes(IP, '', 'ff', '03'))).toMatchObject({ command: 'delete', spec: { table: 255 } });
  });

  it('group_mod, meter_mod, role: their own codes', () => {
    expectError(hex('040f001000000001 00000700 00000001'), 'GROUP_MOD_FAILED', OFPGMFC.BAD_TYPE);
    expectError(hex('040f001000000001 00090000 00000001'), 'GROUP_MOD_FAILED', OFPGMFC.BAD_COMMAND);
    expectError(hex('040f001800000001 00000000 00000001 00080000ffffffff'), 'GROUP_MOD_FAILED', OFPGMFC.BAD_BUCKET);
    expectError(hex('041d002000000001 00000001 00000001 00030010 0000006400000000 00000000'), 'METER_MOD_FAILED', OFPMMFC.BAD_BAND);
    expectError(hex('041d002000000001 00000003 00000001 00010010 0000006400000000 00000000'), 'METER_MOD_FAILED', OFPMMFC.BAD_FLAGS);
    expectError(hex('041d001000000001 00000000 00000001'), 'METER_MOD_FAILED', OFPMMFC.BAD_FLAGS); // add: neither kbps nor pktps
    expectError(hex('041d001000000001 00050001 00000001'), 'METER_MOD_FAILED', OFPMMFC.BAD_COMMAND);
    expectError(hex('0418001800000001 00000009 00000000 0000000000000000'), 'ROLE_REQUEST_FAILED', OFPRRFC.BAD_ROLE);
    // del-meters as ovs-ofctl sends it (flags 0) is fine.
    expect(decodeMessage(hex('041d00100000000200020000ffffffff'))).toMatchObject({ command: 'delete', spec: { id: 0xffffffff, bands: [] } });
  });
});

describe('OpenFlow 1.3 codec: properties (fast-check)', () => {
  const samples = sampleMessages().map((m) => encodeMessage(m));

  /** Decoding must answer a message or an OfDecodeError of the decoder's own making, nothing else. */
  function decodesOrRefuses(buf: Buffer): void {
    try {
      const m = decodeMessage(buf);
      // What decodes re-encodes, and decodes to the same again.
      expect(decodeMessage(encodeMessage(m))).toEqual(m);
    } catch (e) {
      if (!(e instanceof OfDecodeError) || e.internal) throw e;
    }
  }

  it('random bytes never throw anything but OfDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.integer({ min: 0, max: 30 }), (bytes, type) => {
        const b = Buffer.from(bytes);
        decodesOrRefuses(b);
        if (b.length >= 8) {
          b[0] = 4;
          b[1] = type;
          decodesOrRefuses(withLength(b));
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('mutated and truncated real messages never throw anything but OfDecodeError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (i, flips, cut) => {
          const b = Buffer.from(samples[i]!);
          for (const [at, v] of flips) if (at % b.length >= 4) b[at % b.length] = v;
          const t = cut === undefined ? b : b.subarray(0, Math.max(8, cut % (b.length + 1)));
          decodesOrRefuses(withLength(t));
        },
      ),
      { numRuns: 5000 },
    );
  });

  const octet = fc.integer({ min: 0, max: 255 });
  const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const port16 = fc.integer({ min: 0, max: 65535 });
  const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b).toString('hex').match(/../g)!.join(':'));
  const l4 = fc.constantFrom('tcp', 'udp', 'sctp', 'tcp6', 'udp6');
  const flowText = fc
    .record({
      proto: fc.option(l4, { nil: undefined }),
      inPort: fc.option(fc.integer({ min: 1, max: 0xfeff }), { nil: undefined }),
      src: fc.option(fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })), { nil: undefined }),
      dst: fc.option(ipv4, { nil: undefined }),
      tpDst: fc.option(fc.tuple(port16, fc.option(port16, { nil: undefined })), { nil: undefined }),
      dlSrc: fc.option(mac, { nil: undefined }),
      vlan: fc.option(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined })), { nil: undefined }),
      prio: fc.integer({ min: 0, max: 65535 }),
      cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 2n }),
      out: fc.array(fc.integer({ min: 1, max: 0xfeff }), { maxLength: 4 }),
      setDst: fc.option(mac, { nil: undefined }),
      meter: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
      gotoTable: fc.option(fc.integer({ min: 1, max: 254 }), { nil: undefined }),
    })
    .map((r) => {
      const v6 = r.proto?.endsWith('6');
      const m = [`priority=${r.prio}`, `cookie=0x${r.cookie.toString(16)}`];
      if (r.proto) m.push(r.proto);
      if (r.inPort !== undefined) m.push(`in_port=${r.inPort}`);
      if (r.dlSrc) m.push(`dl_src=${r.dlSrc}`);
      if (r.vlan) m.push(`dl_vlan=${r.vlan[0]}`, ...(r.vlan[1] === undefined ? [] : [`dl_vlan_pcp=${r.vlan[1]}`]));
      if (r.proto && !v6 && r.src) m.push(`nw_src=${r.src[0]}/${r.src[1]}`);
      if (r.proto && !v6 && r.dst) m.push(`nw_dst=${r.dst}`);
      if (r.proto && r.tpDst) m.push(`tp_dst=${r.tpDst[0] & (r.tpDst[1] ?? 0xffff)}${r.tpDst[1] === undefined ? '' : `/${r.tpDst[1]}`}`);
      const a = [...(r.meter ? [`meter:${r.meter}`] : []), ...(r.setDst ? [`set_field:${r.setDst}->eth_dst`] : []), ...r.out.map((p) => `output:${p}`)];
      if (r.gotoTable !== undefined) a.push(`goto_table:${r.gotoTable}`);
      return `${m.join(',')} actions=${a.length ? a.join(',') : 'drop'}`;
    });

  // Random values in every field of the fixed-layout messages: widths and byte order.
  const u8 = fc.integer({ min: 0, max: 0xff });
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
  const hwAddr = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b).toString('hex'));
  const portName = fc.stringMatching(/^[a-z0-9]{0,15}$/);
  const ofPort = fc.record({
    portNo: u32, hwAddr, name: portName, config: u32, state: u32, curr: u32, advertised: u32, supported: u32, peer: u32, currSpeed: u32, maxSpeed: u32,
  });
  const counters = fc.record({ packetCount: u64, byteCount: u64 });
  const xid = u32;
  const randomMessage: fc.Arbitrary<OfMessage> = fc.oneof(
    fc.record({ type: fc.constant('hello' as const), xid, version: u8, versions: fc.uniqueArray(fc.integer({ min: 0, max: 70 }), { minLength: 1 }).map((v) => v.sort((a, b) => a - b)) }),
    fc.record({ type: fc.constant('echo_request' as const), xid, data: bytes }),
    fc.record({ type: fc.constant('error' as const), xid, errType: fc.constantFrom('BAD_REQUEST' as const, 'BAD_MATCH' as const, 'METER_MOD_FAILED' as const), code: u16, data: bytes }),
    fc.record({ type: fc.constant('experimenter' as const), xid, experimenter: u32, expType: u32, data: bytes }),
    fc.record({ type: fc.constant('features_reply' as const), xid, datapathId: u64, nBuffers: u32, nTables: u8, auxiliaryId: u8, capabilities: u32 }),
    fc.record({ type: fc.constant('set_config' as const), xid, flags: u16, missSendLen: u16 }),
    fc.record({ type: fc.constant('role_request' as const), xid, role: fc.constantFrom('nochange' as const, 'equal' as const, 'master' as const, 'slave' as const), generationId: u64 }),
    fc.record({ type: fc.constant('set_async' as const), xid, packetInMask: fc.tuple(u32, u32), portStatusMask: fc.tuple(u32, u32), flowRemovedMask: fc.tuple(u32, u32) }),
    fc.record({ type: fc.constant('port_status' as const), xid, reason: fc.constantFrom('add' as const, 'delete' as const, 'modify' as const), port: ofPort }),
    fc.record({ type: fc.constant('port_mod' as const), xid, portNo: u32, hwAddr, config: u32, mask: u32, advertise: u32 }),
    fc.record({ type: fc.constant('table_mod' as const), xid, tableId: u8, config: u32 }),
    fc.record({
      type: fc.constant('packet_in' as const), xid, bufferId: u32, totalLen: u16, reason: fc.constantFrom('no_match' as const, 'action' as const, 'invalid_ttl' as const),
      tableId: u8, cookie: u64, match: fc.record({ in_port: u32.map((value) => ({ value, mask: 0xffffffff })) }), data: bytes,
    }),
    fc.record({
      type: fc.constant('meter_mod' as const), xid, command: fc.constantFrom('add' as const, 'modify' as const, 'delete' as const),
      spec: fc.record({
        id: u32, unit: fc.constantFrom('kbps' as const, 'pktps' as const), burst: fc.boolean(), stats: fc.boolean(),
        bands: fc.array(fc.oneof(
          fc.record({ type: fc.constant('drop' as const), rate: u32, burstSize: u32, precLevel: fc.constant(0) }),
          fc.record({ type: fc.constant('dscp_remark' as const), rate: u32, burstSize: u32, precLevel: u8 }),
        ), { maxLength: 4 }),
      }),
    }),
    fc.record({
      type: fc.constant('group_mod' as const), xid, command: fc.constantFrom('add' as const, 'modify' as const, 'delete' as const),
      spec: fc.record({
        groupId: u32, type: fc.constantFrom('all' as const, 'select' as const, 'indirect' as const, 'ff' as const),
        buckets: fc.array(fc.record({ weight: u16, watchPort: u32, watchGroup: u32, actions: fc.array(fc.integer({ min: 1, max: 0xfeff }).map((port) => ({ type: 'output' as const, port })), { maxLength: 3 }) }), { maxLength: 3 }),
      }),
    }),
    fc.record({
      type: fc.constant('multipart_reply' as const), xid, flags: fc.constantFrom(0, 1),
      body: fc.oneof(
        fc.record({ mpType: fc.constant('port_desc' as const), ports: fc.array(ofPort, { maxLength: 3 }) }),
        fc.record({ mpType: fc.constant('aggregate' as const), packetCount: u64, byteCount: u64, flowCount: u32 }),
        fc.record({ mpType: fc.constant('table' as const), tables: fc.array(fc.record({ tableId: u8, activeCount: u32, lookupCount: u64, matchedCount: u64 }), { maxLength: 3 }) }),
        fc.record({
          mpType: fc.constant('group' as const),
          groups: fc.array(fc.record({ groupId: u32, refCount: u32, packetCount: u64, byteCount: u64, durationSec: u32, durationNsec: u32, buckets: fc.array(counters, { maxLength: 3 }) }), { maxLength: 2 }),
        }),
        fc.record({
          mpType: fc.constant('meter' as const),
          meters: fc.array(fc.record({
            meterId: u32, flowCount: u32, packetInCount: u64, byteInCount: u64, durationSec: u32, durationNsec: u32,
            bands: fc.array(fc.record({ packetBandCount: u64, byteBandCount: u64 }), { maxLength: 3 }),
          }), { maxLength: 2 }),
        }),
        fc.record({ mpType: fc.constant('queue' as const), queues: fc.array(fc.record({ portNo: u32, queueId: u32, txBytes: u64, txPackets: u64, txErrors: u64, durationSec: u32, durationNsec: u32 }), { maxLength: 3 }) }),
      ),
    }),
    fc.record({ type: fc.constant('multipart_request' as const), xid, flags: fc.constantFrom(0, 1), body: fc.record({ mpType: fc.constant('queue' as const), portNo: u32, queueId: u32 }) }),
    fc.record({
      type: fc.constant('queue_get_config_reply' as const), xid, port: u32,
      queues: fc.array(fc.record({ queueId: u32, port: u32, minRate: u16, maxRate: u16 }, { requiredKeys: ['queueId', 'port'] }), { maxLength: 3 }),
    }),
  ) as fc.Arbitrary<OfMessage>;

  it('random messages of every fixed layout: decode∘encode is the identity', () => {
    fc.assert(
      fc.property(randomMessage, (msg) => {
        const bytes = encodeMessage(msg);
        expect(decodeMessage(bytes)).toEqual(msg);
        expect(encodeMessage(decodeMessage(bytes)).equals(bytes)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('generated flows: FLOW_MOD and FLOW reply round trips are the identity', () => {
    fc.assert(
      fc.property(flowText, fc.constantFrom('add', 'modify', 'modify_strict', 'delete', 'delete_strict'), (text, command) => {
        const isDelete = command.startsWith('delete');
        // The cookie may be followed by a comma or by the actions' space, and may be the whole match.
        const noCookie = text.replace(/cookie=[^, ]*,?/, '').replace(/,( |$)/, '$1').trim();
        const sep = noCookie.startsWith('actions=') ? ' ' : ',';
        const t = isDelete ? noCookie.replace(/ ?actions=.*/, '') : command === 'add' ? text : `table=0${sep}${noCookie}`;
        const msg: OfMessage = flowMod(t, command as 'add');
        const bytes = encodeMessage(msg);
        expect(decodeMessage(bytes)).toEqual(msg);
        expect(encodeMessage(decodeMessage(bytes)).equals(bytes)).toBe(true);
        if (command !== 'add') return;
        const { spec, flags } = msg as FlowModMsg;
        const reply: OfMessage = {
          type: 'multipart_reply', xid: 3, flags: 0,
          body: { mpType: 'flow', flows: [{ spec, flags, durationSec: 1, durationNsec: 2, packetCount: 3n, byteCount: 4n }] },
        };
        expect(decodeMessage(encodeMessage(reply))).toEqual(reply);
      }),
      { numRuns: 500 },
    );
  });
});
