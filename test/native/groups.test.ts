// OpenFlow groups on real frames through mem ports: each type's forwarding, select's
// spread over many 5-tuples against the weights, fast failover when the watched port
// goes down and back, chained groups, the counters, and the group-mod rules.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { GroupModError, OFPG_ALL, formatGroup, parseGroup } from '../../src/ofproto/group.js';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

function portsOf(out: Buffer[][]): number[] {
  return out.flatMap((f, i) => (f.length ? [i] : []));
}

const udp = (sport: number, dport = 53, src = '10.0.0.1'): Buffer => P.udp4({ ip: { src, dst: '10.0.0.2' }, l4: { sport, dport } });

async function bridgeWith(groups: string[], flows: string[]): Promise<Bridge> {
  const br = await memBridge('grp', [], 5);
  for (const g of groups) await br.addGroup(g);
  for (const f of flows) await br.addFlow(f);
  return br;
}

describe('group types', () => {
  it('all: every bucket gets the packet as it was before the group', async () => {
    const br = await bridgeWith(
      ['group_id=1,type=all,bucket=output:2,bucket=mod_dl_dst:00:00:00:00:00:99,output:3,bucket=output:4'],
      ['in_port=1,actions=group:1,output:5'],
    );
    const frame = udp(1000);
    const out = await sendFrames(br, 1, frame, 5);
    expect(portsOf(out)).toEqual([2, 3, 4, 5]);
    expect(out[2]![0]).toEqual(frame);
    expect(P.decode(out[3]![0]!).dst).toBe('00:00:00:00:00:99');
    expect(out[4]![0]).toEqual(frame); // the rewrite of bucket 2 is undone for bucket 3
    expect(out[5]![0]).toEqual(frame); // and for what follows the group
  });

  it('indirect: its one bucket', async () => {
    const br = await bridgeWith(['group_id=7,type=indirect,bucket=actions=output:3'], ['in_port=1,actions=group:7']);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([3]);
  });

  it('select: one bucket per 5-tuple, the same one every time, spread by weight', async () => {
    const br = await bridgeWith(['group_id=2,type=select,bucket=weight:1,output:2,bucket=weight:3,output:3'], ['in_port=1,actions=group:2']);
    const frames = Array.from({ length: 2000 }, (_, i) => udp(1024 + i));
    const out = await sendFrames(br, 1, frames, 5);
    expect(out[2]!.length + out[3]!.length).toBe(2000);
    const share = out[3]!.length / 2000;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    // Again (now from megaflows): each 5-tuple leaves where it left before.
    const first = new Set(out[2]!.map((f) => P.decode(f).udp!.sport));
    const again = await sendFrames(br, 1, frames, 5);
    expect(new Set(again[2]!.map((f) => P.decode(f).udp!.sport))).toEqual(first);
  });

  it('select: a bucket of weight 0 is never chosen', async () => {
    const br = await bridgeWith(['group_id=2,type=select,bucket=weight:0,output:2,bucket=output:3'], ['in_port=1,actions=group:2']);
    const out = await sendFrames(br, 1, Array.from({ length: 200 }, (_, i) => udp(i + 1)), 5);
    expect(out[2]).toHaveLength(0);
    expect(out[3]).toHaveLength(200);
  });

  it('ff: the first live bucket; fails over when the watched port goes down, and back', async () => {
    const br = await bridgeWith(
      ['group_id=3,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,actions=output:3'],
      ['in_port=1,actions=group:3'],
    );
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([2]);
    await br.setMemLink('m2', false);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([3]); // the same 5-tuple: its megaflow went
    await br.setMemLink('m3', false);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([]);
    await br.setMemLink('m2', true);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([2]);
  });

  it('ff watching a group: live while that group has a live bucket', async () => {
    const br = await bridgeWith(
      [
        'group_id=10,type=ff,bucket=watch_port:4,actions=output:4',
        'group_id=11,type=ff,bucket=watch_group:10,actions=output:2,bucket=watch_port:3,actions=output:3',
      ],
      ['in_port=1,actions=group:11'],
    );
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([2]);
    await br.setMemLink('m4', false);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([3]);
  });

  it('chained groups: a bucket outputs through another group', async () => {
    const br = await bridgeWith(
      ['group_id=20,type=all,bucket=output:2,bucket=output:3', 'group_id=21,type=indirect,bucket=group:20'],
      ['in_port=1,actions=group:21,output:4'],
    );
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([2, 3, 4]);
  });

  it('write_actions(group:N): the action set runs the group instead of an output', async () => {
    const br = await bridgeWith(['group_id=1,type=all,bucket=output:2,bucket=output:3'], ['in_port=1,actions=write_actions(output:4,group:1)']);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([2, 3]);
  });
});

describe('counters', () => {
  it('group and bucket packets and bytes, through the megaflows', async () => {
    const br = await bridgeWith(['group_id=2,type=select,bucket=output:2,bucket=output:3'], ['in_port=1,actions=group:2']);
    const frames = Array.from({ length: 100 }, (_, i) => udp(2000 + i));
    const out = await sendFrames(br, 1, frames, 5);
    const [s] = await br.groupStats(2);
    expect(s!.refCount).toBe(1);
    expect(s!.packetCount).toBe(100n);
    expect(s!.byteCount).toBe(BigInt(frames.reduce((n, f) => n + f.length, 0)));
    expect(s!.buckets.map((b) => Number(b.packetCount))).toEqual([out[2]!.length, out[3]!.length]);
    await sendFrames(br, 1, frames, 5);
    expect((await br.groupStats(2))[0]!.packetCount).toBe(200n);
  });
});

describe('group mods', () => {
  it('add of an existing id, modify of a missing one, delete of a missing one', async () => {
    const br = await bridgeWith(['group_id=1,type=all,bucket=output:2'], []);
    await expect(br.addGroup('group_id=1,type=all,bucket=output:3')).rejects.toMatchObject({ ofCode: 'GROUP_EXISTS' });
    await expect(br.modGroup('group_id=9,type=all,bucket=output:3')).rejects.toMatchObject({ ofCode: 'UNKNOWN_GROUP' });
    expect(await br.delGroups(9)).toBe(0);
    expect(br.dumpGroups().map(formatGroup)).toEqual(['group_id=1,type=all,bucket=actions=output:2']);
  });

  it('a flow naming a missing group is refused; deleting a group deletes its flows', async () => {
    const br = await bridgeWith(['group_id=1,type=all,bucket=output:2'], ['priority=5,in_port=1,actions=group:1', 'priority=6,in_port=2,actions=output:1']);
    await expect(br.addFlow('actions=group:2')).rejects.toMatchObject({ ofCode: 'BAD_OUT_GROUP' });
    expect(await br.delGroups(OFPG_ALL)).toBe(1);
    expect((await br.dumpFlowsText()).map((l) => l.replace(/duration=[^,]+, /, ''))).toEqual([
      'cookie=0x0, table=0, n_packets=0, n_bytes=0, idle_age=0, priority=6,in_port=2 actions=output:1',
    ]);
  });

  it('modify changes what the cached flows do', async () => {
    const br = await bridgeWith(['group_id=1,type=indirect,bucket=output:2'], ['in_port=1,actions=group:1']);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([2]);
    await br.modGroup('group_id=1,type=all,bucket=output:3,bucket=output:4');
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([3, 4]);
  });

  it('loops are refused', async () => {
    const br = await bridgeWith(['group_id=1,type=all,bucket=group:2'], []);
    await expect(br.addGroup('group_id=2,type=all,bucket=group:1')).rejects.toMatchObject({ ofCode: 'LOOP' });
    await expect(br.addGroup('group_id=3,type=all,bucket=group:3')).rejects.toMatchObject({ ofCode: 'LOOP' });
    expect(br.dumpGroups().map((g) => g.groupId)).toEqual([1]);
  });

  it('bad input: a clear error and nothing applied', async () => {
    const br = await bridgeWith([], []);
    const bad: [string, string, RegExp][] = [
      ['group_id=1,type=bogus,bucket=output:1', 'BAD_TYPE', /type=bogus: not a group type/],
      ['group_id=1,type=all,bucket=weight:3,output:1', 'WEIGHT_UNSUPPORTED', /only select groups can have bucket weights/],
      ['group_id=1,type=all,bucket=watch_port:3,output:1', 'WATCH_UNSUPPORTED', /only fast failover/],
      ['group_id=1,type=ff,bucket=output:1', 'BAD_WATCH', /needs watch_port or watch_group/],
      ['group_id=4294967041,type=all,bucket=output:1', 'INVALID_GROUP', /group_id must be an integer from 0 to 4294967040/],
      ['group_id=1,type=all,bucket=foo:1', 'BAD_BUCKET', /foo:1: unknown action/],
      ['group_id=1,type=indirect', 'INVALID_GROUP', /exactly one bucket/],
      ['group_id=1,type=select,bucket=weight:x,output:1', 'BAD_BUCKET', /weight must be an integer/],
      ['type=all,bucket=output:1', 'INVALID_GROUP', /must specify a group_id/],
    ];
    for (const [text, code, msg] of bad) {
      const err = await br.addGroup(text).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, text).toBeInstanceOf(GroupModError);
      expect((err as GroupModError).ofCode, text).toBe(code);
      expect((err as Error).message, text).toMatch(msg);
    }
    expect(br.dumpGroups()).toEqual([]);
  });
});

describe('syntax', () => {
  it('prints as ovs-ofctl -O OpenFlow13 dump-groups does (Open vSwitch 3.1)', () => {
    // Each left side given to OVS's add-group; the right side its dump-groups line.
    const cases: [string, string][] = [
      ['group_id=1,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2', 'group_id=1,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2'],
      ['group_id=2,type=all,bucket=output:1,bucket=mod_dl_dst:00:00:00:00:00:01,output:2', 'group_id=2,type=all,bucket=actions=output:1,bucket=actions=set_field:00:00:00:00:00:01->eth_dst,output:2'],
      ['group_id=3,type=indirect,bucket=actions=output:3', 'group_id=3,type=indirect,bucket=actions=output:3'],
      ['group_id=4,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,watch_group:3,actions=output:3', 'group_id=4,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,watch_group:3,actions=output:3'],
      ['group_id=5,type=select,bucket=bucket_id:7,output:1,bucket=output:2', 'group_id=5,type=select,bucket=actions=output:1,bucket=actions=output:2'],
      ['group_id=10,type=all', 'group_id=10,type=all'],
      ['group_id=13,type=all,bucket=group:3', 'group_id=13,type=all,bucket=actions=group:3'],
      ['group_id=15,type=all,bucket=mod_nw_src:1.2.3.4,output:1', 'group_id=15,type=all,bucket=actions=set_field:1.2.3.4->ip_src,output:1'],
      ['group_id=18,type=fast_failover,bucket=watch_port:99,actions=output:1', 'group_id=18,type=ff,bucket=watch_port:99,actions=output:1'],
      ['group_id=19,type=select,bucket=weight:0,output:1,bucket=output:2', 'group_id=19,type=select,bucket=weight:0,actions=output:1,bucket=actions=output:2'],
    ];
    for (const [input, printed] of cases) {
      expect(formatGroup(parseGroup(input)), input).toBe(printed);
      expect(formatGroup(parseGroup(printed)), printed).toBe(printed);
    }
  });
});

describe('a controller batch', () => {
  it('names only groups the bridge has (ops[i] says which)', async () => {
    const br = await bridgeWith(['group_id=1,type=all,bucket=output:2'], []);
    await br.apply([{ op: 'add', flow: 'in_port=1,actions=group:1' }]);
    await expect(br.apply([{ op: 'add', flow: 'priority=7,actions=output:3' }, { op: 'add', flow: 'in_port=2,actions=group:9' }])).rejects.toThrow(/ops\[1\]: group:9: group 9 does not exist/);
    expect(br.flows.list()).toHaveLength(1);
    expect(portsOf(await sendFrames(br, 1, udp(1), 5))).toEqual([2]);
  });
});
