/**
 * TABLE_FEATURES: what each of our 255 tables really takes — the OXM fields the
 * classifier matches (and which of them masked), the instructions, the actions of
 * apply/write lists, the set_field targets the datapath rewrites, the tables a
 * goto_table may name. Every table is alike except that the last has no next table.
 * Changing the tables (a request with a body) is refused with OFPTFFC_EPERM, as in
 * OVS before it had configurable tables.
 */
import { type TableFeatureProp, type TableFeatures } from '../wire/index.js';
import { N_TABLES } from './features.js';

const OXM_OF_BASIC = 0x8000;
/** An OXM header: class, field, hasmask, payload length. */
function oxm(field: number, len: number, masked = false): number {
  return ((OXM_OF_BASIC << 16) | (field << 9) | ((masked ? 1 : 0) << 8) | (masked ? 2 * len : len)) >>> 0;
}

/** [OXM field number, length, maskable] of every field the pipeline matches (src/ofproto/fields.ts, compile.ts). */
const MATCH_FIELDS: [number, number, boolean][] = [
  [0, 4, false], // IN_PORT
  [2, 8, true], // METADATA
  [3, 6, true], // ETH_DST
  [4, 6, true], // ETH_SRC
  [5, 2, false], // ETH_TYPE
  [6, 2, true], // VLAN_VID
  [7, 1, false], // VLAN_PCP
  [8, 1, false], // IP_DSCP
  [9, 1, false], // IP_ECN
  [10, 1, false], // IP_PROTO
  [11, 4, true], // IPV4_SRC
  [12, 4, true], // IPV4_DST
  [13, 2, true], // TCP_SRC
  [14, 2, true], // TCP_DST
  [15, 2, true], // UDP_SRC
  [16, 2, true], // UDP_DST
  [17, 2, true], // SCTP_SRC
  [18, 2, true], // SCTP_DST
  [19, 1, false], // ICMPV4_TYPE
  [20, 1, false], // ICMPV4_CODE
  [21, 2, false], // ARP_OP
  [22, 4, true], // ARP_SPA
  [23, 4, true], // ARP_TPA
  [24, 6, true], // ARP_SHA
  [25, 6, true], // ARP_THA
  [26, 16, true], // IPV6_SRC
  [27, 16, true], // IPV6_DST
  [28, 4, true], // IPV6_FLABEL
  [29, 1, false], // ICMPV6_TYPE
  [30, 1, false], // ICMPV6_CODE
  [31, 16, false], // IPV6_ND_TARGET
  [32, 6, false], // IPV6_ND_SLL
  [33, 6, false], // IPV6_ND_TLL
];

/** The set_field targets the datapath rewrites (compile.ts SET_FIELD_OPS), as OXM fields. */
const SET_FIELDS: [number, number][] = [
  [0, 4], // IN_PORT
  [2, 8], // METADATA
  [3, 6], // ETH_DST
  [4, 6], // ETH_SRC
  [6, 2], // VLAN_VID
  [7, 1], // VLAN_PCP
  [8, 1], // IP_DSCP
  [9, 1], // IP_ECN
  [11, 4], // IPV4_SRC
  [12, 4], // IPV4_DST
  [13, 2], // TCP_SRC
  [14, 2], // TCP_DST
  [15, 2], // UDP_SRC
  [16, 2], // UDP_DST
  [26, 16], // IPV6_SRC
  [27, 16], // IPV6_DST
];

/** OFPAT_*: OUTPUT, PUSH_VLAN, POP_VLAN, SET_QUEUE, GROUP, SET_NW_TTL, DEC_NW_TTL, SET_FIELD. */
export const ACTION_TYPES = [0, 17, 18, 21, 22, 23, 24, 25];
/** OFPIT_*: GOTO_TABLE, WRITE_METADATA, WRITE_ACTIONS, APPLY_ACTIONS, CLEAR_ACTIONS, METER. */
const INSTRUCTIONS = [1, 2, 3, 4, 5, 6];

const match = MATCH_FIELDS.map(([f, len, masked]) => oxm(f, len, masked));
const wildcards = MATCH_FIELDS.map(([f, len]) => oxm(f, len));
const setFields = SET_FIELDS.map(([f, len]) => oxm(f, len));

/** The flows a table holds at most: the datapath sets no limit per table. */
const MAX_ENTRIES = 0xffffffff;

let cached: TableFeatures[] | undefined;

/** The same for every bridge and every request: made once. */
export function tableFeatures(): TableFeatures[] {
  if (cached) return cached;
  const tables: TableFeatures[] = [];
  for (let t = 0; t < N_TABLES; t++) {
    const next = Array.from({ length: N_TABLES - 1 - t }, (_, i) => t + 1 + i);
    const instructions = t === N_TABLES - 1 ? INSTRUCTIONS.filter((i) => i !== 1) : INSTRUCTIONS;
    const props: TableFeatureProp[] = [
      { type: 'instructions', ids: instructions },
      { type: 'instructions_miss', ids: instructions },
      { type: 'next_tables', ids: next },
      { type: 'next_tables_miss', ids: next },
      { type: 'write_actions', ids: ACTION_TYPES },
      { type: 'write_actions_miss', ids: ACTION_TYPES },
      { type: 'apply_actions', ids: ACTION_TYPES },
      { type: 'apply_actions_miss', ids: ACTION_TYPES },
      { type: 'match', ids: match },
      { type: 'wildcards', ids: wildcards },
      { type: 'write_setfield', ids: setFields },
      { type: 'write_setfield_miss', ids: setFields },
      { type: 'apply_setfield', ids: setFields },
      { type: 'apply_setfield_miss', ids: setFields },
    ];
    tables.push({
      tableId: t,
      name: t === 0 ? 'classifier' : `table${t}`,
      metadataMatch: 0xffffffffffffffffn,
      metadataWrite: 0xffffffffffffffffn,
      config: 0,
      maxEntries: MAX_ENTRIES,
      properties: props,
    });
  }
  return (cached = tables);
}
