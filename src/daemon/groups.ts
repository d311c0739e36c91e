// The group verbs: add-group, add-groups, mod-group, del-groups, dump-groups,
// dump-group-stats, dump-group-features, shaped as ovs-ofctl -O OpenFlow13's. A
// bridge's groups are saved beside its flows (DbBridge.groups: one add-group line
// each, by id) and restored before them, since flows name groups. del-groups deletes
// the flows that name a deleted group too (OpenFlow), so it saves both; an undo puts
// both back.
import { NodeswitchError } from '../errors.js';
import {
  formatGroup,
  formatGroupFeatures,
  formatGroupStats,
  type GroupSpec,
  type GroupStats,
  GroupModError,
  OFPG_ALL,
  OFPG_MAX,
  parseGroup,
  parseGroupSelector,
} from '../ofproto/group.js';
import type { ConfigDoc } from './config-db.js';
import { currentSpecs, replaceFlows, savedFlows } from './flows.js';
import { type Args, optionalString, requireString } from './protocol.js';
import type { BridgeApi, Log } from './switch-api.js';

/** The syntax alone: port names are the bridge's to resolve (Bridge.addGroup takes the text). */
const SYNTAX_ONLY = { resolvePort: (): number => 1 };

export type GroupVerb = 'add-group' | 'add-groups' | 'mod-group' | 'del-groups' | 'dump-groups' | 'dump-group-stats' | 'dump-group-features';

type GroupApi = Required<Pick<BridgeApi, 'addGroup' | 'modGroup' | 'delGroups' | 'dumpGroups' | 'groupStats'>>;

function groupApi(bridge: BridgeApi): GroupApi {
  if (!bridge.addGroup || !bridge.modGroup || !bridge.delGroups || !bridge.dumpGroups || !bridge.groupStats) {
    throw new NodeswitchError('this switch has no groups', 'group');
  }
  return bridge as GroupApi;
}

/** The group lines to save for a bridge. */
export function savedGroups(bridge: BridgeApi): string[] {
  return (bridge.dumpGroups?.() ?? []).map(formatGroup);
}

/** Installs saved groups into a bridge that has none; `index` says which line was refused. */
export async function installSavedGroups(bridge: BridgeApi, lines: string[]): Promise<void> {
  for (const [index, line] of lines.entries()) {
    try {
      await groupApi(bridge).addGroup(line);
    } catch (err) {
      throw Object.assign(new NodeswitchError((err as Error).message, 'group'), { index });
    }
  }
}

/** The lines of an add-groups file: one group each; blank lines and # comments skipped. */
export function groupLines(text: string): { line: number; text: string }[] {
  return text
    .split('\n')
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
}

/** A group as --json shows it (dump-groups). */
export function groupRow(g: GroupSpec): GroupSpec & { group: string } {
  return { ...g, group: formatGroup(g) };
}

/** A group's counters as --json shows them (dump-group-stats): numbers, as every --json count. */
export function groupStatsRow(s: GroupStats) {
  return {
    groupId: s.groupId,
    duration: Math.round(s.durationSec * 1000) / 1000,
    refCount: s.refCount,
    packetCount: Number(s.packetCount),
    byteCount: Number(s.byteCount),
    buckets: s.buckets.map((b) => ({ packetCount: Number(b.packetCount), byteCount: Number(b.byteCount) })),
  };
}

export interface GroupVerbContext {
  config(): ConfigDoc;
  bridge(name: string): BridgeApi;
  commit(next: ConfigDoc, undo: () => Promise<void>): Promise<void>;
  log: Log;
}

export async function groupVerb(verb: GroupVerb, args: Args, ctx: GroupVerbContext): Promise<unknown> {
  const name = requireString(args, 'bridge');
  const bridge = ctx.bridge(name);
  const api = groupApi(bridge);
  const selector = (): number => parseGroupSelector(optionalString(args, 'group') ?? '');
  switch (verb) {
    case 'dump-groups': {
      const groups = api.dumpGroups(selector());
      return { text: groups.map(formatGroup), groups: groups.map(groupRow) };
    }
    case 'dump-group-stats': {
      const stats = await api.groupStats(selector());
      return { text: stats.map(formatGroupStats), stats: stats.map(groupStatsRow) };
    }
    case 'dump-group-features':
      return { text: formatGroupFeatures(OFPG_MAX), features: { types: ['all', 'select', 'indirect', 'ff'], capabilities: ['select_weight', 'chaining'], maxGroups: OFPG_MAX } };
    case 'add-group':
    case 'mod-group': {
      const text = requireString(args, 'group');
      const spec = parseGroup(text, SYNTAX_ONLY);
      const before = api.dumpGroups(spec.groupId)[0];
      if (verb === 'add-group') await api.addGroup(text);
      else await api.modGroup(text);
      await save(ctx, name, bridge, async () => {
        if (before) await api.modGroup(before);
        else await api.delGroups(spec.groupId);
      });
      ctx.log(`bridge ${name}: ${verb === 'add-group' ? 'added' : 'modified'} group ${formatGroup(api.dumpGroups(spec.groupId)[0] ?? spec)}`);
      return {};
    }
    case 'add-groups': {
      // All or none: every line is parsed first, and the groups added are taken back on a refusal.
      const lines = groupLines(requireString(args, 'groups'));
      const specs = lines.map((l) => {
        try {
          return { id: parseGroup(l.text, SYNTAX_ONLY).groupId, text: l.text };
        } catch (err) {
          if (err instanceof GroupModError) throw new GroupModError(err.ofCode, `line ${l.line}: ${err.message}`);
          throw err;
        }
      });
      const added: number[] = [];
      try {
        for (const [i, spec] of specs.entries()) {
          try {
            await api.addGroup(spec.text);
          } catch (err) {
            if (err instanceof GroupModError) throw new GroupModError(err.ofCode, `line ${lines[i]!.line}: ${err.message}`);
            throw err;
          }
          added.push(spec.id);
        }
      } catch (err) {
        for (const id of added) await api.delGroups(id);
        throw err;
      }
      if (added.length) {
        await save(ctx, name, bridge, async () => {
          for (const id of added) await api.delGroups(id);
        });
        ctx.log(`bridge ${name}: added ${added.length} group${added.length === 1 ? '' : 's'}`);
      }
      return { groups: added.length };
    }
    case 'del-groups': {
      const id = selector();
      const groups = api.dumpGroups(id);
      const flows = currentSpecs(bridge);
      const flowsBefore = bridge.flows.list().length;
      const deleted = await api.delGroups(id);
      const flowsGone = flowsBefore - bridge.flows.list().length;
      if (deleted) {
        await save(ctx, name, bridge, async () => {
          await replaceFlows(bridge, () => []);
          for (const g of groups) await api.addGroup(g);
          await replaceFlows(bridge, flows);
        });
        const what = id === OFPG_ALL ? `${deleted} group${deleted === 1 ? '' : 's'}` : `group ${id}`;
        ctx.log(`bridge ${name}: deleted ${what} and the ${flowsGone} flow${flowsGone === 1 ? '' : 's'} using ${deleted === 1 ? 'it' : 'them'}`);
      }
      return { groups: deleted, flows: flowsGone };
    }
  }
}

async function save(ctx: GroupVerbContext, name: string, bridge: BridgeApi, undo: () => Promise<void>): Promise<void> {
  const next = ctx.config();
  const entry = next.bridges.find((b) => b.name === name)!;
  const groups = savedGroups(bridge);
  if (groups.length) entry.groups = groups;
  else delete entry.groups;
  entry.flows = savedFlows(bridge);
  await ctx.commit(next, undo);
}
