/**
 * GROUP_MOD through the Bridge's group API (addGroup, modGroup, delGroups: the same
 * calls add-group, mod-group and del-groups make); the group table's GroupModError
 * carries the OFPGMFC_* code the wire answers with. Deleting a group deletes the
 * flows that name it (OpenFlow 1.3 §6.5), which the Bridge does.
 */
import type { Bridge } from '../../bridge.js';
import { GroupModError, OFPG_ALL, OFPG_MAX } from '../../ofproto/group.js';
import type { GroupModMsg } from '../wire/index.js';
import { OfError, toOfError } from './errors.js';
import { checkAction } from './flow-mod.js';
import type { AgentContext } from './index.js';

export function groupExists(bridge: Bridge, id: number): boolean {
  return bridge.groups.has(id);
}

export async function groupMod(msg: GroupModMsg, ctx: AgentContext): Promise<void> {
  const { bridge } = ctx;
  const spec = msg.spec;
  if (msg.command === 'delete') {
    if (spec.groupId !== OFPG_ALL && spec.groupId > OFPG_MAX) {
      throw new OfError('GROUP_MOD_FAILED', 'INVALID_GROUP', `group ${spec.groupId} is a reserved id`);
    }
    const flowsBefore = bridge.flows.list().length;
    try {
      const n = await bridge.delGroups(spec.groupId);
      if (n) await ctx.changed('groups');
      if (bridge.flows.list().length !== flowsBefore) await ctx.changed('flows');
    } catch (err) {
      throw groupError(err);
    }
    return;
  }
  if (spec.groupId > OFPG_MAX) throw new OfError('GROUP_MOD_FAILED', 'INVALID_GROUP', `group ${spec.groupId} is a reserved id`);
  // Output ports as in flows; a bucket may name a group not there yet (the table refuses loops).
  for (const b of spec.buckets) for (const a of b.actions) if (a.type !== 'group') checkAction(a, ctx, 'a bucket');
  try {
    if (msg.command === 'add') await bridge.addGroup(spec);
    else await bridge.modGroup(spec);
  } catch (err) {
    throw groupError(err);
  }
  await ctx.changed('groups');
}

function groupError(err: unknown): OfError {
  if (err instanceof GroupModError) return new OfError('GROUP_MOD_FAILED', err.ofCode, err.message);
  return toOfError(err, 'group_mod');
}
