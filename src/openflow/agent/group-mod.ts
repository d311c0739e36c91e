/**
 * GROUP_MOD through the Bridge's group API (seam 2: addGroup, modGroup, delGroups,
 * dumpGroups, groupStats); the bridge's GroupModError carries the OFPGMFC_* code.
 * Until a Bridge has that API (the groups branch), group requests are refused as
 * an unsupported request type and no flow may name a group.
 */
import type { Bridge } from '../../bridge.js';
import { GroupModError, type GroupSpec, type GroupStats, OFPG_ALL, OFPG_MAX } from '../../ofproto/group.js';
import type { GroupModMsg } from '../wire/index.js';
import { OfError, toOfError } from './errors.js';
import { checkAction } from './flow-mod.js';
import type { AgentContext } from './index.js';

/** The Bridge's group API (seam 2). */
export interface GroupApi {
  addGroup(spec: GroupSpec): Promise<void>;
  modGroup(spec: GroupSpec): Promise<void>;
  delGroups(groupId?: number): Promise<number>;
  dumpGroups(groupId?: number): GroupSpec[];
  groupStats(groupId?: number): Promise<GroupStats[]>;
}

/** The bridge's groups, or an OFPT_ERROR when it has none. */
export function groupsOf(bridge: Bridge): GroupApi {
  const g = bridge as unknown as Partial<GroupApi>;
  if (typeof g.addGroup !== 'function' || typeof g.dumpGroups !== 'function') {
    throw new OfError('BAD_REQUEST', 'BAD_TYPE', 'this switch has no group table');
  }
  return g as GroupApi;
}

export function groupExists(bridge: Bridge, id: number): boolean {
  const g = bridge as unknown as Partial<GroupApi>;
  return typeof g.dumpGroups === 'function' && g.dumpGroups.call(bridge, id).some((s) => s.groupId === id);
}

export async function groupMod(msg: GroupModMsg, ctx: AgentContext): Promise<void> {
  const groups = groupsOf(ctx.bridge);
  const spec = msg.spec;
  if (msg.command === 'delete') {
    if (spec.groupId !== OFPG_ALL && spec.groupId > OFPG_MAX) {
      throw new OfError('GROUP_MOD_FAILED', 'INVALID_GROUP', `group ${spec.groupId} is a reserved id`);
    }
    try {
      // Deleting a group deletes the flows that use it (OpenFlow 1.3 §6.5): the Bridge does.
      const n = await groups.delGroups(spec.groupId);
      if (n) {
        await ctx.changed('groups');
        await ctx.changed('flows');
      }
    } catch (err) {
      throw groupError(err);
    }
    return;
  }
  if (spec.groupId > OFPG_MAX) throw new OfError('GROUP_MOD_FAILED', 'INVALID_GROUP', `group ${spec.groupId} is a reserved id`);
  for (const b of spec.buckets) {
    for (const a of b.actions) {
      try {
        checkAction(a, ctx, 'a bucket');
      } catch (err) {
        // A bucket naming a group that is not there (chaining): OVS answers CHAINING_UNSUPPORTED only when unsupported.
        if (a.type === 'group' && err instanceof OfError) throw new OfError('GROUP_MOD_FAILED', 'BAD_BUCKET', err.message);
        throw err;
      }
    }
  }
  try {
    if (msg.command === 'add') await groups.addGroup(spec);
    else await groups.modGroup(spec);
  } catch (err) {
    throw groupError(err);
  }
  await ctx.changed('groups');
}

function groupError(err: unknown): OfError {
  if (err instanceof GroupModError) return new OfError('GROUP_MOD_FAILED', err.ofCode, err.message);
  return toOfError(err, 'group_mod');
}
