/** The group model of seam 2, from src/ofproto/group.ts (one copy). */
export { OFPG_ALL, OFPG_ANY, OFPG_MAX } from '../../ofproto/group.js';
export type { Bucket, GroupSpec, GroupStats, GroupType } from '../../ofproto/group.js';
