// set-port's dispatcher (src/daemon/port-settings.ts) through the Controller and a
// fake switch: the switch first, then the DB, undone when the DB cannot be written;
// a port not attached gets the setting in the config only; every refusal names its
// argument and changes nothing.
import { describe, expect, it } from 'vitest';
import type { ConfigDoc } from '../../src/daemon/config-db.js';
import { controllerOnFakeSwitch, refused } from './controller-fixture.js';

async function setup() {
  const f = await controllerOnFakeSwitch({
    version: 1,
    bridges: [{ name: 'br0', ports: [{ name: 'vnet0', type: 'afpacket', ofport: 1 }, { name: 'nosuchdev', type: 'afpacket', ofport: 2 }] }],
  });
  return { ...f, br: f.sw.map.get('br0')! };
}

const port = (doc: ConfigDoc | undefined, name: string) => doc!.bridges[0]!.ports.find((p) => p.name === name);

describe('set-port', () => {
  it('applies policing to the switch, then saves it on the port', async () => {
    const { c, saved, br } = await setup();
    expect(await c.handle('set-port', { port: 'vnet0', settings: { ingress_policing_rate: '1000', ingress_policing_burst: '100' } })).toMatchObject({
      ingressPolicingRate: 1000,
      ingressPolicingBurst: 100,
    });
    expect(br.policing.get('vnet0')).toEqual({ rate: 1000, burst: 100 });
    expect(port(saved.at(-1), 'vnet0')).toEqual({ name: 'vnet0', type: 'afpacket', ofport: 1, ingressPolicingRate: 1000, ingressPolicingBurst: 100 });
    // One key alone keeps the other as it was.
    await c.handle('set-port', { port: 'vnet0', settings: { ingress_policing_rate: 2000 } });
    expect(br.policing.get('vnet0')).toEqual({ rate: 2000, burst: 100 });
  });

  it('undoes the switch change when the DB cannot be written', async () => {
    const { c, br, failWrites } = await setup();
    await c.handle('set-port', { port: 'vnet0', settings: { ingress_policing_rate: '1000' } });
    failWrites(true);
    await expect(c.handle('set-port', { port: 'vnet0', settings: { ingress_policing_rate: '5' } })).rejects.toThrow(/the change was undone/);
    expect(br.policing.get('vnet0')).toEqual({ rate: 1000, burst: 0 });
    expect(port(c.config(), 'vnet0')).toMatchObject({ ingressPolicingRate: 1000 });
  });

  it('saves the setting of a port that is not attached, for when it is', async () => {
    const { c, saved, br } = await setup();
    await c.handle('set-port', { port: 'nosuchdev', settings: { ingress_policing_rate: '300' } });
    expect(br.policing.has('nosuchdev')).toBe(false);
    expect(port(saved.at(-1), 'nosuchdev')).toMatchObject({ ingressPolicingRate: 300 });
  });

  it.each([
    [{ port: 'vnet0', settings: {} }, 'settings', /needs at least one KEY=VALUE/],
    [{ port: 'vnet0', settings: { vlan_color: 'red' } }, 'vlan_color', /unknown port setting "vlan_color"/],
    [{ port: 'vnet9', settings: { ingress_policing_rate: '1' } }, 'port', /no bridge has a port named vnet9/],
    [{ port: 'vnet0', settings: { ingress_policing_rate: '-1' } }, 'ingress_policing_rate', /must be an integer from 0 to 4294967295, got "-1"/],
    [{ port: 'vnet0', settings: { ingress_policing_rate: '10', ingress_policing_burst: 'lots' } }, 'ingress_policing_burst', /got "lots"/],
  ])('refuses %j, naming the argument, changing nothing', async (args, argument, message) => {
    const { c, saved, br } = await setup();
    await refused(c.handle('set-port', args), message, argument);
    expect(saved).toEqual([]);
    expect(br.policing.size).toBe(0);
  });
});
