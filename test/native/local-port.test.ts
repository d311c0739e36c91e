// The bridge's LOCAL port (OFPP_LOCAL) over mem ports: a port like any other for
// NORMAL, and the one `output:LOCAL` and `in_port=LOCAL` name in rules. The TAP the
// daemon gives it is tested in test/integration/local-port.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { Switch } from '../../src/switch.js';
import type { Bridge } from '../../src/bridge.js';
import { constants } from '../../src/native.js';
import { ethFrame } from './packets.js';

const A = '02:00:00:00:00:0a';
const L = '02:00:00:00:00:fe';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

let sw: Switch | undefined;
afterEach(async () => {
  await sw?.close();
  sw = undefined;
});

async function bridge(): Promise<Bridge> {
  sw = new Switch();
  const br = sw.addBridge('lbr');
  await br.addPort('m1', { type: 'mem' });
  await br.addPort('m2', { type: 'mem' });
  await br.addPort('lbr', { type: 'mem', ofport: constants.ofpp.local });
  return br;
}

const counts = async (br: Bridge): Promise<number[]> => [(await br.drain('m1')).length, (await br.drain('m2')).length, (await br.drain('lbr')).length];

describe('the LOCAL port', () => {
  it('is flooded to, learned on and forwarded to by NORMAL; fdb and port stats name it', async () => {
    const br = await bridge();
    expect(br.localPort()).toMatchObject({ name: 'lbr', ofport: 0xfffffffe });
    await br.inject('m1', [ethFrame(BROADCAST, A)]);
    expect(await counts(br)).toEqual([0, 1, 1]);
    await br.inject('lbr', [ethFrame(A, L)]);
    expect(await counts(br)).toEqual([1, 0, 0]);
    await br.inject('m1', [ethFrame(L, A)]);
    expect(await counts(br)).toEqual([0, 0, 1]);
    expect((await br.fdb()).map((e) => [e.mac, e.port])).toEqual([
      [A, 'm1'],
      [L, 'lbr'],
    ]);
    expect((await br.portStats('lbr'))[0]).toMatchObject({ ofport: 0xfffffffe, txPackets: 2, rxPackets: 1 });
  });

  it('output:LOCAL and in_port=LOCAL in rules', async () => {
    const br = await bridge();
    await br.addFlow('priority=10,in_port=1,actions=output:LOCAL');
    await br.addFlow('priority=10,in_port=LOCAL,actions=output:2');
    await br.inject('m1', [ethFrame(A, A.replace('0a', '0b'))]);
    expect(await counts(br)).toEqual([0, 0, 1]);
    await br.inject('lbr', [ethFrame(A, L)]);
    expect(await counts(br)).toEqual([0, 1, 0]);
    // Not back out of the port it came in on.
    await br.addFlow('priority=20,in_port=LOCAL,actions=output:LOCAL');
    await br.inject('lbr', [ethFrame(A, L)]);
    expect(await counts(br)).toEqual([0, 0, 0]);
  });

  it('is named like the bridge, one per bridge', async () => {
    const br = await bridge();
    await expect(br.addPort('other', { type: 'mem', ofport: constants.ofpp.local })).rejects.toMatchObject({ argument: 'ofport' });
    await br.deletePort('lbr');
    expect(br.localPort()).toBeUndefined();
    await br.addPort('lbr', { type: 'mem', ofport: constants.ofpp.local });
    expect(br.localPort()).toMatchObject({ name: 'lbr' });
  });
});
