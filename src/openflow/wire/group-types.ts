/**
 * The group model of seam 2 (src/ofproto/group.ts, owned by the `groups` branch).
 * Until that branch's group.ts is merged these are its agreed shapes, verbatim; after
 * the merge this file only re-exports it.
 */
import type { Action } from '../../ofproto/actions.js';

export type GroupType = 'all' | 'select' | 'indirect' | 'ff';
export const OFPG_ANY = 0xffffffff;
export const OFPG_ALL = 0xfffffffc;
export const OFPG_MAX = 0xffffff00;
export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}
export interface GroupSpec {
  groupId: number;
  type: GroupType;
  buckets: Bucket[];
}
export interface GroupStats {
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  buckets: { packetCount: bigint; byteCount: bigint }[];
}
