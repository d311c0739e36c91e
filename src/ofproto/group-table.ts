// A bridge's OpenFlow groups as TypeScript keeps them: the specs (what dump-groups
// prints and the config DB saves) in front of the datapath's group table
// (native/dp/group_table.h), which translation consults and which counts.
//
// OpenFlow 1.3's GROUP_MOD rules, as Open vSwitch applies them: add refuses a group
// that exists (OFPGMFC_GROUP_EXISTS), modify one that does not (UNKNOWN_GROUP),
// delete of a missing group is no error. A bucket may name a group (chaining) that
// does not exist yet — translation drops there, as in OVS — but never one that leads
// back to the group itself (LOOP). Deleting a group deletes the flows that name it
// (§6.5); the Bridge does that part, it owns the flows (Bridge.delGroups).
import type { NativeDatapath, NativeGroupStats } from '../native.js';
import { type Action, type Instructions } from './actions.js';
import { compileAction } from './compile.js';
import { type Bucket, GROUP_TYPE_CODE, GroupModError, type GroupSpec, OFPG_ALL, OFPG_ANY, OFPG_MAX } from './group.js';
import { OFPP, OFPP_MAX_PHYSICAL } from './values.js';

type Datapath = Pick<NativeDatapath, 'setGroup' | 'deleteGroups' | 'groupStats'>;

/** Buckets per group the datapath takes (native/dp/group_table.h kMaxBuckets). */
export const GROUP_MAX_BUCKETS = 1024;
/** Groups per bridge (OFPGMFC_OUT_OF_GROUPS past it). */
export const GROUP_MAX_GROUPS = 65536;

interface Entry {
  spec: GroupSpec;
  created: number;
}

export interface GroupWithStats {
  spec: GroupSpec;
  stats: NativeGroupStats;
  durationSec: number;
}

/** The groups an action list names with group:N. */
export function groupsNamed(actions: readonly Action[] | undefined): number[] {
  const out: number[] = [];
  for (const a of actions ?? []) if (a.type === 'group') out.push(a.groupId);
  return out;
}

/** The groups a flow's actions and write_actions name. */
export function flowGroups(spec: { actions: readonly Action[]; instructions: Instructions }): number[] {
  return [...groupsNamed(spec.actions), ...groupsNamed(spec.instructions.writeActions)];
}

/** What a bucket leads to: the groups its actions name and the one it watches. */
function bucketGroups(b: Bucket): number[] {
  const out = groupsNamed(b.actions);
  if (b.watchGroup !== OFPG_ANY) out.push(b.watchGroup);
  return out;
}

export class GroupTable {
  private readonly groups = new Map<number, Entry>();

  constructor(
    private readonly dp: Datapath,
    private readonly bridge: string,
  ) {}

  has(id: number): boolean {
    return this.groups.has(id);
  }

  get size(): number {
    return this.groups.size;
  }

  /** Every group, by id. */
  list(): GroupSpec[] {
    return [...this.groups.values()].map((e) => e.spec).sort((a, b) => a.groupId - b.groupId);
  }

  /** The ids a selector names that exist (OFPG_ALL: every group). */
  select(id: number = OFPG_ALL): number[] {
    if (id === OFPG_ALL) return this.list().map((g) => g.groupId);
    return this.groups.has(id) ? [id] : [];
  }

  async add(spec: GroupSpec): Promise<void> {
    this.check(spec);
    if (this.groups.has(spec.groupId)) {
      throw new GroupModError('GROUP_EXISTS', `group ${spec.groupId} already exists on bridge ${this.bridge} (mod-group changes it)`);
    }
    if (this.groups.size >= GROUP_MAX_GROUPS) throw new GroupModError('OUT_OF_GROUPS', `bridge ${this.bridge} has ${GROUP_MAX_GROUPS} groups already`);
    await this.dp.setGroup(this.native(spec));
    this.groups.set(spec.groupId, { spec, created: Date.now() });
  }

  /** New type and buckets; the group's counters and age stay, the buckets' start over. */
  async modify(spec: GroupSpec): Promise<void> {
    const old = this.groups.get(spec.groupId);
    if (!old) throw new GroupModError('UNKNOWN_GROUP', `group ${spec.groupId} does not exist on bridge ${this.bridge} (add-group adds it)`);
    this.check(spec);
    await this.dp.setGroup(this.native(spec));
    old.spec = spec;
  }

  /** Removes the groups (the flows that name them must be gone already). */
  async delete(ids: number[]): Promise<void> {
    if (!ids.length) return;
    await this.dp.deleteGroups(ids);
    for (const id of ids) this.groups.delete(id);
  }

  async stats(ids: number[]): Promise<GroupWithStats[]> {
    const wanted = new Set(ids);
    const byId = new Map((await this.dp.groupStats()).map((s) => [s.id, s]));
    const now = Date.now();
    return this.list()
      .filter((g) => wanted.has(g.groupId))
      .map((spec) => ({
        spec,
        stats: byId.get(spec.groupId) ?? { id: spec.groupId, packets: 0, bytes: 0, buckets: spec.buckets.map(() => ({ packets: 0, bytes: 0 })) },
        durationSec: (now - this.groups.get(spec.groupId)!.created) / 1000,
      }));
  }

  /**
   * Everything OpenFlow says a group mod must satisfy, for a spec from any source
   * (the CLI's text, the wire's GROUP_MOD): nothing is applied when this throws.
   */
  check(spec: GroupSpec): void {
    const id = spec.groupId;
    if (!Number.isInteger(id) || id < 0 || id > OFPG_MAX) {
      throw new GroupModError('INVALID_GROUP', `group_id=${id}: group ids are 0 to ${OFPG_MAX} (0xffffff00)`);
    }
    if (!(spec.type in GROUP_TYPE_CODE)) throw new GroupModError('BAD_TYPE', `group ${id}: ${String(spec.type)} is not a group type`);
    if (spec.buckets.length > GROUP_MAX_BUCKETS) {
      throw new GroupModError('OUT_OF_BUCKETS', `group ${id}: ${spec.buckets.length} buckets, at most ${GROUP_MAX_BUCKETS}`);
    }
    if (spec.type === 'indirect' && spec.buckets.length !== 1) {
      throw new GroupModError('INVALID_GROUP', `group ${id}: an indirect group has exactly one bucket, got ${spec.buckets.length}`);
    }
    spec.buckets.forEach((b, i) => {
      const at = `group ${id} bucket ${i}`;
      if (!Number.isInteger(b.weight) || b.weight < 0 || b.weight > 0xffff) throw new GroupModError('BAD_BUCKET', `${at}: weight must be 0 to 65535`);
      if (spec.type !== 'select' && b.weight !== 0) throw new GroupModError('WEIGHT_UNSUPPORTED', `${at}: only select groups can have bucket weights`);
      const watches = b.watchPort !== OFPP.ANY || b.watchGroup !== OFPG_ANY;
      if (spec.type !== 'ff' && watches) throw new GroupModError('WATCH_UNSUPPORTED', `${at}: only fast failover (ff) groups watch ports or groups`);
      if (spec.type === 'ff' && !watches) throw new GroupModError('BAD_WATCH', `${at}: a fast failover bucket needs watch_port or watch_group`);
      if (b.watchPort !== OFPP.ANY && b.watchPort > OFPP_MAX_PHYSICAL && b.watchPort !== OFPP.LOCAL) {
        throw new GroupModError('BAD_WATCH', `${at}: watch_port ${b.watchPort} is not a switch port`);
      }
      if (b.watchGroup !== OFPG_ANY && (b.watchGroup > OFPG_MAX || b.watchGroup === id)) {
        throw new GroupModError(b.watchGroup === id ? 'LOOP' : 'BAD_WATCH', `${at}: watch_group ${b.watchGroup} is not a group it can watch`);
      }
      for (const a of b.actions) {
        try {
          compileAction(a);
        } catch (e) {
          throw new GroupModError('BAD_BUCKET', `${at}: ${(e as Error).message}`);
        }
      }
    });
    this.checkLoop(spec);
  }

  /** A chain of buckets from `spec` back to itself, through the groups as they would be. */
  private checkLoop(spec: GroupSpec): void {
    const next = (id: number): number[] => {
      const g = id === spec.groupId ? spec : this.groups.get(id)?.spec;
      return g ? g.buckets.flatMap(bucketGroups) : [];
    };
    const seen = new Set<number>();
    const stack = next(spec.groupId);
    while (stack.length) {
      const id = stack.pop()!;
      if (id === spec.groupId) throw new GroupModError('LOOP', `group ${spec.groupId}: its buckets lead back to it (a loop of groups)`);
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...next(id));
    }
  }

  private native(spec: GroupSpec) {
    return {
      id: spec.groupId,
      type: GROUP_TYPE_CODE[spec.type],
      buckets: spec.buckets.map((b) => ({ weight: b.weight, watchPort: b.watchPort, watchGroup: b.watchGroup, actions: b.actions.map(compileAction) })),
    };
  }
}
