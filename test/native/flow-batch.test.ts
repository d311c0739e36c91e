// Flow batches (src/ofproto/flow-batch.ts → native/dp/flow_batch.cc): what the
// encoder writes is what the datapath installs, and a malformed batch is refused
// whole, naming the record, with nothing installed.
import { afterEach, describe, expect, it } from 'vitest';
import { addon, constants } from '../../src/native.js';
import { compileFlow } from '../../src/ofproto/compile.js';
import { encodeFlowBatch } from '../../src/ofproto/flow-batch.js';
import { parseFlow } from '../../src/ofproto/flow.js';
import { resolveBridgeOptions } from '../../src/bridge.js';

const dps: InstanceType<typeof addon.Datapath>[] = [];
afterEach(async () => {
  for (const dp of dps.splice(0)) await dp.close();
});

function datapath(): InstanceType<typeof addon.Datapath> {
  const dp = new addon.Datapath(`fb${dps.length}`, resolveBridgeOptions({}), () => undefined);
  dps.push(dp);
  return dp;
}

const flow = (id: number, text: string) => {
  const spec = parseFlow(text);
  return compileFlow(id, spec, spec.table);
};

describe('flow batches', () => {
  it('carry only the match words a mask has bits in', () => {
    const L = constants.flowBatch;
    const any = encodeFlowBatch([flow(1, 'actions=drop')]);
    expect(any.length).toBe(L.headerSize);
    const fiveTuple = encodeFlowBatch([flow(1, 'tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2,actions=output:2')]);
    const words = fiveTuple.readUInt8(L.header.nWords[0]);
    expect(words).toBeGreaterThan(0);
    expect(words).toBeLessThanOrEqual(5);
    expect(fiveTuple.length).toBe(L.headerSize + words * 2 * L.wordSize + L.actionSize);
  });

  it('decode and install every kind of instruction, in many tables (the pipeline tests run them)', async () => {
    const dp = datapath();
    const flows = [
      flow(1, 'priority=5,in_port=1,dl_src=02:00:00:00:00:01,actions=write_metadata:0x5/0xff,goto_table:3'),
      flow(2, 'table=3,metadata=0x5/0xff,ipv6,ipv6_dst=2001:db8::1,actions=set_field:2001:db8::9->ipv6_dst,clear_actions,write_actions(output:4)'),
      flow(3, 'table=7,cookie=0x1234567890abcdef,udp,tp_dst=53,actions=mod_vlan_vid:7,output:2,controller:100'),
    ];
    await dp.installFlows(encodeFlowBatch(flows));
    expect((await dp.flowStats()).map((s) => s.id).sort()).toEqual([1, 2, 3]);
  });

  it('a malformed batch is refused whole, naming the record', async () => {
    const dp = datapath();
    const good = encodeFlowBatch([flow(1, 'ip,actions=drop'), flow(2, 'arp,actions=normal')]);
    expect(() => dp.installFlows(good.subarray(0, good.length - 1))).toThrow(/flow batch record 1: truncated/);
    const badCode = Buffer.from(encodeFlowBatch([flow(1, 'ip,actions=drop'), flow(2, 'arp,actions=output:3')]));
    const second = badCode.length - constants.flowBatch.actionSize;
    badCode[second + constants.flowBatch.action.code[0]] = 250;
    expect(() => dp.installFlows(badCode)).toThrow(/flow batch record 1: unknown action code 250/);
    expect(() => dp.installFlows([] as unknown as Buffer)).toThrow(/a flow batch is a Buffer/);
    expect(await dp.flowStats()).toEqual([]);
  });
});
