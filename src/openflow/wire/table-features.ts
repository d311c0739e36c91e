/**
 * ofp_table_features and its property list (TABLE_FEATURES requests and replies).
 * Ids are kept as wire numbers: instruction and action types (4-byte ids), table
 * numbers (1 byte), OXM headers (4 bytes). Experimenter properties are kept raw.
 */
import { type Reader, type Writer } from './buf.js';
import { OFPTFFC } from './constants.js';
import type { TableFeatureProp, TableFeatures } from './messages.js';

export const OFPTFPT: Record<TableFeatureProp['type'], number> = {
  instructions: 0,
  instructions_miss: 1,
  next_tables: 2,
  next_tables_miss: 3,
  write_actions: 4,
  write_actions_miss: 5,
  apply_actions: 6,
  apply_actions_miss: 7,
  match: 8,
  wildcards: 10,
  write_setfield: 12,
  write_setfield_miss: 13,
  apply_setfield: 14,
  apply_setfield_miss: 15,
  experimenter: 0xfffe,
  experimenter_miss: 0xffff,
};
const PROP_NAMES = new Map(Object.entries(OFPTFPT).map(([k, v]) => [v, k as TableFeatureProp['type']]));
const TABLE_FEATURES_HEADER_LEN = 64;

type IdKind = 'type4' | 'u8' | 'u32';
function idKind(t: TableFeatureProp['type']): IdKind | undefined {
  if (t.startsWith('instructions') || t.includes('actions')) return 'type4';
  if (t.startsWith('next_tables')) return 'u8';
  if (t.startsWith('experimenter')) return undefined;
  return 'u32';
}

const BAD_LEN = ['TABLE_FEATURES_FAILED', OFPTFFC.BAD_LEN] as const;

function readProp(r: Reader): TableFeatureProp {
  const t = r.u16('property type');
  const len = r.u16('property length');
  if (len < 4) r.fail([...BAD_LEN], `table feature property length ${len}`);
  const body = r.sub(len - 4, [...BAD_LEN], 'table feature property');
  r.skip(Math.min(r.remaining, (8 - (len % 8)) % 8));
  const type = PROP_NAMES.get(t);
  if (type === undefined) return r.fail(['TABLE_FEATURES_FAILED', OFPTFFC.BAD_TYPE], `table feature property type ${t}`);
  const kind = idKind(type);
  if (kind === undefined) {
    const experimenter = body.u32();
    const expType = body.u32();
    return { type: type as 'experimenter', experimenter, expType, data: Buffer.from(body.rest()) };
  }
  const ids: number[] = [];
  while (body.remaining > 0) {
    if (kind === 'u8') ids.push(body.u8());
    else if (kind === 'u32') ids.push(body.u32());
    else {
      const id = body.u16();
      const idLen = body.u16();
      if (idLen < 4) body.fail([...BAD_LEN], `id length ${idLen}`);
      body.skip(idLen - 4);
      ids.push(id);
    }
  }
  return { type, ids } as TableFeatureProp;
}

function writeProp(w: Writer, p: TableFeatureProp): void {
  const start = w.length;
  w.u16(OFPTFPT[p.type]).u16(0);
  if ('ids' in p) {
    const kind = idKind(p.type);
    for (const id of p.ids) {
      if (kind === 'u8') w.u8(id);
      else if (kind === 'u32') w.u32(id);
      else w.u16(id).u16(4);
    }
  } else {
    w.u32(p.experimenter).u32(p.expType).bytes(p.data);
  }
  w.patch16(start + 2, w.length - start);
  w.pad(start);
}

export function readTableFeatures(r: Reader): TableFeatures {
  const len = r.u16('table features length');
  if (len < TABLE_FEATURES_HEADER_LEN) r.fail([...BAD_LEN], `table features length ${len}`);
  const b = r.sub(len - 2, [...BAD_LEN], 'table features');
  const tableId = b.u8();
  b.skip(5);
  const name = b.str(32);
  const metadataMatch = b.u64();
  const metadataWrite = b.u64();
  const config = b.u32();
  const maxEntries = b.u32();
  const properties: TableFeatureProp[] = [];
  while (b.remaining > 0) properties.push(readProp(b));
  return { tableId, name, metadataMatch, metadataWrite, config, maxEntries, properties };
}

export function writeTableFeatures(w: Writer, t: TableFeatures): void {
  const start = w.length;
  w.u16(0).u8(t.tableId).zeros(5).str(t.name, 32).u64(t.metadataMatch).u64(t.metadataWrite).u32(t.config).u32(t.maxEntries);
  for (const p of t.properties) writeProp(w, p);
  w.patch16(start, w.length - start);
}
