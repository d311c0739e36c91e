// set-qos's settings (src/qos/qos.ts): what the CLI words become, the defaults the
// datapath gets, and each refusal naming its argument — the same from the CLI, the
// socket, the DB and the API.
import { describe, expect, it } from 'vitest';
import { validateDoc } from '../../src/daemon/config-db.js';
import { checkQos, formatQos, parseQosArgs, resolveQos } from '../../src/qos/qos.js';

describe('set-qos settings', () => {
  it('parses the CLI words; fills in the defaults for the datapath; prints them back', () => {
    const qos = parseQosArgs(['type=htb', 'max-rate=10000000'], ['0:min-rate=3000000', '1:min-rate=7000000,max-rate=9000000,priority=2']);
    expect(qos).toEqual({
      type: 'htb',
      maxRate: 10_000_000,
      queues: { '0': { minRate: 3_000_000 }, '1': { minRate: 7_000_000, maxRate: 9_000_000, priority: 2 } },
    });
    expect(resolveQos(qos)).toEqual([
      { queue: 0, minRate: 3_000_000, maxRate: 10_000_000, priority: 0 },
      { queue: 1, minRate: 7_000_000, maxRate: 9_000_000, priority: 2 },
    ]);
    expect(formatQos(qos)).toBe('type=htb max-rate=10000000 --queue 0:min-rate=3000000 --queue 1:min-rate=7000000,max-rate=9000000,priority=2');
    expect(parseQosArgs(['type=linux-htb', 'max-rate=5'], [])).toEqual({ type: 'htb', maxRate: 5, queues: {} });
    expect(parseQosArgs(['type=htb', 'max-rate=5'], ['3'])).toEqual({ type: 'htb', maxRate: 5, queues: { '3': {} } });
  });

  it.each<[string[], string[], RegExp, string]>([
    [['type=htb', 'max-rate=0'], [], /max-rate must be an integer from 1 to 100000000000, got "0" \(a rate in bit\/s\)/, 'max-rate'],
    [['type=htb', 'max-rate=-1'], [], /got "-1"/, 'max-rate'],
    [['type=htb', 'max-rate=1e6'], [], /got "1e6"/, 'max-rate'],
    [['type=htb', 'max-rate=1', 'max-rate=2'], [], /max-rate is given twice/, 'max-rate'],
    [['type=htb', 'max-rate'], [], /max-rate needs a value/, 'max-rate'],
    [['max-rate=1'], [], /set-qos needs type=htb/, 'type'],
    [['type=htb'], [], /set-qos needs max-rate=BPS/, 'max-rate'],
    [['type=htb', 'max-rate=9', 'burst=1'], [], /unknown QoS setting "burst"/, 'burst'],
    [['type=htb', 'max-rate=9'], ['8:min-rate=1'], /--queue "8" is outside the queue table \(queue ids are 0 to 7\)/, '--queue'],
    [['type=htb', 'max-rate=9'], ['-1:min-rate=1'], /outside the queue table/, '--queue'],
    [['type=htb', 'max-rate=9'], ['1:min-rate=1', '1:min-rate=2'], /--queue 1 is given twice/, '--queue'],
    [['type=htb', 'max-rate=9'], ['1:min-rate=abc'], /queue 1 min-rate must be an integer from 1 .*got "abc"/, 'queue 1 min-rate'],
    [['type=htb', 'max-rate=9'], ['1:min-rate'], /--queue 1: min-rate needs a value/, '--queue'],
    [['type=htb', 'max-rate=9'], ['1:rate=3'], /unknown queue setting "rate"/, '--queue'],
    [['type=htb', 'max-rate=9'], ['1:min-rate=5,max-rate=4'], /queue 1 min-rate 5 exceeds its max-rate 4/, 'queue 1 min-rate'],
    [['type=htb', 'max-rate=9'], ['1:max-rate=10'], /queue 1 max-rate 10 exceeds the port's max-rate 9/, 'queue 1 max-rate'],
    [['type=htb', 'max-rate=9'], ['1:min-rate=5', '2:min-rate=5'], /min-rates add up to 10, more than the port's max-rate 9/, 'min-rate'],
    [['type=htb', 'max-rate=9'], ['1:priority=4294967296'], /queue 1 priority must be an integer from 0 to 4294967295/, 'queue 1 priority'],
  ])('refuses %j %j', (settings, queues, message, argument) => {
    expect(() => parseQosArgs(settings, queues)).toThrow(message);
    try {
      parseQosArgs(settings, queues);
    } catch (err) {
      expect((err as { argument?: string }).argument).toBe(argument);
    }
  });

  it('checks what comes from the socket or the API the same way', () => {
    expect(() => checkQos({ type: 'htb', maxRate: 0, queues: {} })).toThrow(/max-rate must be an integer from 1/);
    expect(() => checkQos({ type: 'htb', maxRate: 10, queues: { '9': {} } })).toThrow(/"9" is outside the queue table/);
    expect(() => checkQos({ type: 'htb', maxRate: 10, queues: { '1': { minRate: 1.5 } } })).toThrow(/queue 1 min-rate must be an integer/);
    expect(() => checkQos({ type: 'htb', maxRate: 10, extra: 1 })).toThrow(/unknown QoS setting "extra"/);
    expect(() => checkQos('fast')).toThrow(/qos must be an object/);
  });

  it('a DB port with a bad qos is refused, naming where', () => {
    const doc = (qos: unknown): unknown => ({ version: 1, bridges: [{ name: 'br0', ports: [{ name: 'p1', type: 'afpacket', ofport: 1, qos }] }] });
    expect(validateDoc(doc({ type: 'htb', maxRate: 1000, queues: { '1': { minRate: 10 } } }), 'db.json').bridges[0]!.ports[0]!.qos).toEqual({
      type: 'htb',
      maxRate: 1000,
      queues: { '1': { minRate: 10 } },
    });
    expect(() => validateDoc(doc({ type: 'htb', maxRate: -3 }), 'db.json')).toThrow(
      /config DB db\.json: bridges\[0\]\.ports\[0\]\.qos: max-rate must be an integer from 1/,
    );
  });
});
