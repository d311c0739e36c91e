// Meters in ovs-ofctl's syntax (src/qos/meter-syntax.ts) and the meter instruction
// in flows: parsing, the errors, printing as ovs-ofctl does, and the config DB's
// one-line form round-tripping.
import { describe, expect, it } from 'vitest';
import { formatMeter, parseMeter, parseMeterSelector, printMeter, printMeterStats } from '../../src/qos/meter-syntax.js';
import { formatFlow, parseFlow } from '../../src/ofproto/flow-syntax.js';

describe('meter syntax', () => {
  it('parses the issue example and prints it as ovs-ofctl dump-meters does', () => {
    const m = parseMeter('meter=1,kbps,burst,bands=type=drop,rate=10000,burst_size=1000');
    expect(m).toEqual({ id: 1, unit: 'kbps', burst: true, stats: false, bands: [{ type: 'drop', rate: 10000, burstSize: 1000, precLevel: 0 }] });
    expect(printMeter(m)).toEqual(['meter=1 kbps burst bands=', 'type=drop rate=10000 burst_size=1000']);
  });

  it('takes spaces as separators, several bands, pktps and stats', () => {
    const m = parseMeter('meter=9 pktps stats bands=type=dscp_remark rate=10 prec_level=2 type=drop rate=20');
    expect(m.unit).toBe('pktps');
    expect(m.stats).toBe(true);
    expect(m.bands).toEqual([
      { type: 'dscp_remark', rate: 10, burstSize: 0, precLevel: 2 },
      { type: 'drop', rate: 20, burstSize: 0, precLevel: 0 },
    ]);
    expect(printMeter(m)).toEqual(['meter=9 pktps stats bands=', 'type=dscp_remark rate=10 prec_level=2', 'type=drop rate=20']);
  });

  it('round-trips the saved form', () => {
    for (const text of [
      'meter=1,kbps,burst,bands=type=drop,rate=10000,burst_size=1000',
      'meter=4294901760,pktps,stats,bands=type=dscp_remark,rate=1,prec_level=1,type=drop,rate=2',
      'meter=3,kbps,bands=type=drop,rate=100',
    ]) {
      expect(formatMeter(parseMeter(text))).toBe(text);
    }
  });

  it.each([
    ['', /needs its id/],
    ['meter=x,kbps,bands=type=drop,rate=1', /meter=x: the meter id must be an integer from 1 to 4294901760/],
    ['meter=4294901761,kbps,bands=type=drop,rate=1', /the meter id must be an integer from 1 to 4294901760/],
    ['meter=1,kbps,fast,bands=type=drop,rate=1', /fast: unknown meter field/],
    ['meter=1,kbps,pktps,bands=type=drop,rate=1', /kbps or pktps, not both/],
    // ovs-ofctl: "meter must specify either 'kbps' or 'pktps'", "band may have 'burst_size' only when 'burst' flag is set".
    ['meter=1,bands=type=drop,rate=1', /meter=1: a meter must say kbps or pktps/],
    ['meter=1,kbps,bands=type=drop,rate=1,burst_size=5', /burst_size=5: a band may have a burst_size only when the meter has the 'burst' flag/],
    ['meter=1,kbps', /at least one band/],
    ['meter=1,kbps,bands=rate=5', /rate=5: a band starts with its type/],
    ['meter=1,kbps,bands=type=drop', /band 1 \(drop\) has no rate/],
    ['meter=1,kbps,bands=type=drop,rate=0', /rate=0: a band rate must be an integer from 1 to 4294967295, got 0/],
    ['meter=1,kbps,bands=type=drop,rate=-3', /got "-3"/],
    ['meter=1,kbps,bands=type=drop,rate=1,rate=2', /rate is given twice/],
    ['meter=1,kbps,bands=type=drop,rate=1,prec_level=1', /prec_level is for dscp_remark bands only/],
    ['meter=1,kbps,bands=type=drop,rate=1,color=red', /color=red: unknown band field/],
    [`meter=1,kbps,bands=${Array(9).fill('type=drop,rate=1').join(',')}`, /at most 8 bands/],
  ])('refuses %j', (text, reason) => {
    expect(() => parseMeter(text)).toThrow(reason);
  });

  it('selectors: none or meter=all is every meter, meter=N or N one', () => {
    expect(parseMeterSelector(undefined)).toBe('all');
    expect(parseMeterSelector('meter=all')).toBe('all');
    expect(parseMeterSelector('meter=5')).toBe(5);
    expect(parseMeterSelector('5')).toBe(5);
    expect(() => parseMeterSelector('meter=all,meter=2')).toThrow(/only meter=N or meter=all/);
  });

  it('prints meter-stats as ovs-ofctl does', () => {
    expect(printMeterStats({ id: 1, flowCount: 2, packetInCount: 10, byteInCount: 640, duration: 1.5, bands: [{ packetCount: 3, byteCount: 192 }] })).toEqual([
      'meter:1 flow_count:2 packet_in_count:10 byte_in_count:640 duration:1.500s bands:',
      '0: packet_count:3 byte_count:192',
    ]);
  });
});

describe('the meter instruction in flows', () => {
  it('comes first, prints first, and round-trips', () => {
    const spec = parseFlow('priority=5,ip,actions=meter:3,output:2');
    expect(spec.instructions.meter).toBe(3);
    expect(formatFlow(spec)).toBe('priority=5,ip actions=meter:3,output:2');
    expect(parseFlow('actions=meter:7').instructions.meter).toBe(7);
  });

  it('is refused after actions, twice, inside write_actions, or out of range', () => {
    expect(() => parseFlow('actions=output:2,meter:1')).toThrow(/meter must appear before apply_actions/);
    expect(() => parseFlow('actions=meter:1,meter:2,output:2')).toThrow(/duplicate meter instruction/);
    expect(() => parseFlow('actions=write_actions(meter:1)')).toThrow(/meter instruction not allowed inside write_actions/);
    expect(() => parseFlow('actions=meter:0,output:2')).toThrow(/meter 0 out of range/);
  });
});
