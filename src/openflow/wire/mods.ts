/**
 * GROUP_MOD (GroupSpec, group.ts), METER_MOD (MeterSpec, src/qos/meter-syntax.ts),
 * TABLE_MOD; the buckets and bands are shared with the GROUP_DESC and METER_CONFIG
 * replies.
 *
 * Refused: GROUP_MOD with an unknown command or type (OFPGMFC_BAD_COMMAND/BAD_TYPE), a
 * bucket whose length is wrong (BAD_BUCKET); METER_MOD with an unknown command
 * (OFPMMFC_BAD_COMMAND), unknown flag bits or both/neither KBPS and PKTPS on an add or
 * modify (BAD_FLAGS), a band type other than drop and dscp_remark (BAD_BAND), a band of
 * the wrong length (OFPBRC_BAD_LEN).
 */
import type { MeterBand, MeterSpec } from '../../qos/meter-syntax.js';
import { type Reader, type Writer } from './buf.js';
import { OFPBRC, OFPGMFC, OFPMBT, OFPMF, OFPMMFC } from './constants.js';
import type { Bucket, GroupSpec, GroupType } from './group-types.js';
import type { GroupModMsg, MeterModMsg, ModCommand, TableModMsg } from './messages.js';
import { readActions, writeActions } from './actions.js';

export const MOD_COMMANDS: ModCommand[] = ['add', 'modify', 'delete'];
export const GROUP_TYPES: GroupType[] = ['all', 'select', 'indirect', 'ff'];
const BUCKET_HEADER_LEN = 16;

// --- Groups ---------------------------------------------------------------------------

export function readBuckets(r: Reader): Bucket[] {
  const buckets: Bucket[] = [];
  while (r.remaining > 0) {
    const len = r.peekU16();
    if (len < BUCKET_HEADER_LEN || len % 8) r.fail(['GROUP_MOD_FAILED', OFPGMFC.BAD_BUCKET], `bucket length ${len}`);
    const b = r.sub(len, ['GROUP_MOD_FAILED', OFPGMFC.BAD_BUCKET], 'bucket');
    b.skip(2);
    const weight = b.u16();
    const watchPort = b.u32();
    const watchGroup = b.u32();
    b.skip(4);
    buckets.push({ weight, watchPort, watchGroup, actions: readActions(b) });
  }
  return buckets;
}

export function writeBuckets(w: Writer, buckets: readonly Bucket[]): void {
  for (const b of buckets) {
    const start = w.length;
    w.u16(0).u16(b.weight).u32(b.watchPort).u32(b.watchGroup).zeros(4);
    writeActions(w, b.actions);
    w.patch16(start, w.length - start);
  }
}

export function groupType(r: Reader, n: number): GroupType {
  const t = GROUP_TYPES[n];
  if (t === undefined) r.fail(['GROUP_MOD_FAILED', OFPGMFC.BAD_TYPE], `group type ${n}`);
  return t;
}

export function readGroupMod(r: Reader, xid: number): GroupModMsg {
  const cmd = r.u16();
  const type = r.u8();
  r.skip(1);
  const groupId = r.u32();
  const command = MOD_COMMANDS[cmd];
  if (command === undefined) r.fail(['GROUP_MOD_FAILED', OFPGMFC.BAD_COMMAND], `group_mod command ${cmd}`);
  const spec: GroupSpec = { groupId, type: groupType(r, type), buckets: readBuckets(r) };
  return { type: 'group_mod', xid, command, spec };
}

export function writeGroupMod(w: Writer, m: GroupModMsg): void {
  w.u16(MOD_COMMANDS.indexOf(m.command)).u8(GROUP_TYPES.indexOf(m.spec.type)).zeros(1).u32(m.spec.groupId);
  writeBuckets(w, m.spec.buckets);
}

// --- Meters ---------------------------------------------------------------------------

const METER_FLAGS = OFPMF.KBPS | OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS;

export function meterFlags(s: MeterSpec): number {
  return (s.unit === 'pktps' ? OFPMF.PKTPS : OFPMF.KBPS) | (s.burst ? OFPMF.BURST : 0) | (s.stats ? OFPMF.STATS : 0);
}

/** Flags and bands → a MeterSpec; `strict`: an add/modify must say kbps or pktps. */
export function meterSpec(r: Reader, id: number, flags: number, strict: boolean): MeterSpec {
  const bad = (why: string): never => r.fail(['METER_MOD_FAILED', OFPMMFC.BAD_FLAGS], why);
  if (flags & ~METER_FLAGS) bad(`meter flags 0x${flags.toString(16)}`);
  const kbps = (flags & OFPMF.KBPS) !== 0;
  const pktps = (flags & OFPMF.PKTPS) !== 0;
  if (kbps && pktps) bad('meter flags KBPS and PKTPS both set');
  if (strict && !kbps && !pktps) bad('meter flags name neither KBPS nor PKTPS');
  return { id, unit: pktps ? 'pktps' : 'kbps', burst: (flags & OFPMF.BURST) !== 0, stats: (flags & OFPMF.STATS) !== 0, bands: readBands(r) };
}

export function readBands(r: Reader): MeterBand[] {
  const bands: MeterBand[] = [];
  while (r.remaining > 0) {
    const type = r.u16('band type');
    const len = r.u16('band length');
    if (type !== OFPMBT.DROP && type !== OFPMBT.DSCP_REMARK) {
      r.fail(['METER_MOD_FAILED', OFPMMFC.BAD_BAND], `meter band type ${type}`);
    }
    if (len !== 16) r.fail(['BAD_REQUEST', OFPBRC.BAD_LEN], `meter band length ${len}`);
    const rate = r.u32();
    const burstSize = r.u32();
    const precLevel = r.u8();
    r.skip(3);
    bands.push({ type: type === OFPMBT.DROP ? 'drop' : 'dscp_remark', rate, burstSize, precLevel: type === OFPMBT.DROP ? 0 : precLevel });
  }
  return bands;
}

export function writeBands(w: Writer, bands: readonly MeterBand[]): void {
  for (const b of bands) {
    w.u16(b.type === 'drop' ? OFPMBT.DROP : OFPMBT.DSCP_REMARK).u16(16).u32(b.rate).u32(b.burstSize);
    w.u8(b.type === 'drop' ? 0 : b.precLevel).zeros(3);
  }
}

export function readMeterMod(r: Reader, xid: number): MeterModMsg {
  const cmd = r.u16();
  const flags = r.u16();
  const id = r.u32();
  const command = MOD_COMMANDS[cmd];
  if (command === undefined) r.fail(['METER_MOD_FAILED', OFPMMFC.BAD_COMMAND], `meter_mod command ${cmd}`);
  return { type: 'meter_mod', xid, command, spec: meterSpec(r, id, flags, command !== 'delete') };
}

export function writeMeterMod(w: Writer, m: MeterModMsg): void {
  w.u16(MOD_COMMANDS.indexOf(m.command)).u16(meterFlags(m.spec)).u32(m.spec.id);
  writeBands(w, m.spec.bands);
}

// --- Tables ---------------------------------------------------------------------------

export function readTableMod(r: Reader, xid: number): TableModMsg {
  const tableId = r.u8();
  r.skip(3);
  return { type: 'table_mod', xid, tableId, config: r.u32() };
}

export function writeTableMod(w: Writer, m: TableModMsg): void {
  w.u8(m.tableId).zeros(3).u32(m.config);
}
