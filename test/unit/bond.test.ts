// src/bond.ts: a bond's settings checked and defaulted as OVS defaults them, the
// errors naming the argument as the CLI spells it, and bond-show's rendering.
import { describe, expect, it } from 'vitest';
import { formatBondShow, lacpStateText, resolveBond } from '../../src/bond.js';
import { NodeswitchError } from '../../src/errors.js';
import type { NativeBond } from '../../src/native.js';

function refusal(fn: () => unknown): NodeswitchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NodeswitchError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('resolveBond', () => {
  it("fills in Open vSwitch's defaults: active-backup, LACP off, slow", () => {
    expect(resolveBond('bond0', ['v1', 'v2'], {})).toEqual({ name: 'bond0', members: ['v1', 'v2'], mode: 'active-backup', lacp: 'off', lacpTime: 'slow' });
  });

  it.each([
    ['one member', ['v1'], {}, 'port', /needs at least two member ports, got 1 \(v1\)/],
    ['a member twice', ['v1', 'v1'], {}, 'port', /names member v1 twice/],
    ['itself as a member', ['bond0', 'v1'], {}, 'port', /cannot be one of its own members/],
    ['a bad member name', ['v1', 'a b'], {}, 'port', /not a valid interface name/],
    ['an unknown mode', ['v1', 'v2'], { mode: 'balance-rr' }, 'bond-mode', /bond-mode must be one of active-backup, balance-slb, balance-tcp, got "balance-rr"/],
    ['an unknown LACP mode', ['v1', 'v2'], { lacp: 'yes' }, 'lacp', /lacp must be one of active, passive, off/],
    ['an unknown LACP time', ['v1', 'v2'], { lacpTime: 'often' }, 'lacp-time', /lacp-time must be one of slow, fast/],
    ['balance-tcp without LACP', ['v1', 'v2'], { mode: 'balance-tcp' }, 'lacp', /balance-tcp needs LACP/],
  ])('refuses %s, naming the argument', (_what, members, opts, argument, message) => {
    const err = refusal(() => resolveBond('bond0', members, opts as never));
    expect(err.argument).toBe(argument);
    expect(err.message).toMatch(message);
  });

  it('takes balance-tcp with passive LACP', () => {
    expect(resolveBond('bond0', ['v1', 'v2'], { mode: 'balance-tcp', lacp: 'passive', lacpTime: 'fast' })).toMatchObject({ mode: 'balance-tcp', lacp: 'passive', lacpTime: 'fast' });
  });
});

describe('bond-show', () => {
  it("names LACP state bits as ovs-appctl lacp/show does", () => {
    expect(lacpStateText(0x3d)).toBe('activity aggregation synchronized collecting distributing');
    expect(lacpStateText(0xc2)).toBe('timeout defaulted expired');
  });

  it('prints the bond, the active member and each member’s LACP actor and partner', () => {
    const info = (sysId: string, state: number) => ({ sysId, sysPriority: 65534, key: 3, portId: 1, portPriority: 65535, state });
    const bond: NativeBond = {
      name: 'bond0', ofport: 3, mode: 'balance-tcp', lacp: 'active', lacpTime: 'fast', negotiated: true,
      sysId: '02:00:00:00:00:01', sysPriority: 65534, key: 3,
      members: ['v1', 'v2'].map((name, i) => ({
        name, enabled: i === 0, carrier: i === 0, active: i === 0, buckets: i === 0 ? 256 : 0, rxPackets: 10, txPackets: 12,
        lacp: { status: i === 0 ? 'current' : 'defaulted', attached: i === 0, mayEnable: i === 0, actor: info('02:00:00:00:00:01', 0x3f),
          partner: info('aa:bb:cc:dd:ee:ff', 0x3d), rxPdus: 5, rxBad: 0, txPdus: 6 },
      })),
    };
    const text = formatBondShow([bond]);
    expect(text).toContain('---- bond0 ----\nbond_mode: balance-tcp\nofport: 3\nlacp_status: negotiated\n');
    expect(text).toContain('active member: v1\n');
    expect(text).toContain('member v1: enabled (active)\n  carrier: up\n  packets: 10 received, 12 sent\n  hash buckets: 256\n  lacp: current attached, may_enable: true\n');
    expect(text).toContain('member v2: disabled\n  carrier: down\n');
    expect(text).toContain('  partner sys_id: aa:bb:cc:dd:ee:ff, port_id: 1, key: 3\n  partner state: activity aggregation synchronized collecting distributing\n');
  });
});
