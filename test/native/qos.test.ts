// Ingress policing and OpenFlow meters in the datapath, on mem ports: a burst
// injected at once meets a bucket that refills by microseconds while it is
// processed, so what passes is what the bucket's depth holds — exact counts, no
// timing. The rates are low (10 kbit/s: a 1000-byte frame's worth every 0.8 s), so
// that what refills while a burst is processed — milliseconds on a loaded machine —
// never adds a frame. (Rates over time are the integration tests', through iperf3.)
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { constants } from '../../src/native.js';
import { traceFields } from '../../src/daemon/trace.js';
import { closeMemBridge, memBridge, sendFrames } from './mem-bridge.js';
import * as P from './packets.js';

afterEach(closeMemBridge);

/** `n` UDP frames of `bytes` bytes each (Ethernet header included). */
function frames(n: number, bytes: number, tos = 0, dport = 5000): Buffer[] {
  const payload = Buffer.alloc(bytes - 14 - 20 - 8);
  return Array.from({ length: n }, () => P.udp4({ ip: { tos }, l4: { dport, payload } }));
}

async function portStats(br: Bridge, port: string) {
  const [s] = await br.portStats(port);
  return s!;
}

describe('ingress policing', () => {
  it('passes what the burst holds and drops the rest, counted; another port is unaffected', async () => {
    const br = await memBridge('pol', ['in_port=1,actions=output:2', 'in_port=3,actions=output:4']);
    // 100 kbit of depth: 12 frames of 1000 bytes (8 kbit each).
    await br.setIngressPolicing('m1', { rate: 10, burst: 100 });
    const policed = await sendFrames(br, 1, frames(100, 1000));
    expect(policed[2]).toHaveLength(12);
    expect((await portStats(br, 'm1')).rxPoliced).toBe(88);
    expect((await portStats(br, 'm1')).rxPackets).toBe(100);
    const plain = await sendFrames(br, 3, frames(100, 1000));
    expect(plain[4]).toHaveLength(100);
    expect((await portStats(br, 'm3')).rxPoliced).toBe(0);
  });

  it('refills at the rate: an emptied bucket holds its depth again after depth/rate', async () => {
    const br = await memBridge('pol', ['in_port=1,actions=output:2']);
    await br.setIngressPolicing('m1', { rate: 1000, burst: 100 });
    expect((await sendFrames(br, 1, frames(100, 1000)))[2]!.length).toBeGreaterThanOrEqual(12);
    // 100 kbit at 1000 kbit/s: 100 ms; wait longer, and the bucket is full, not fuller
    // (12 frames, and one more only if the burst took over 8 ms to process).
    await new Promise((r) => setTimeout(r, 250));
    const again = (await sendFrames(br, 1, frames(100, 1000)))[2]!.length;
    expect(again).toBeGreaterThanOrEqual(12);
    expect(again).toBeLessThanOrEqual(13);
  });

  it('uses 8000 kbit as the burst when none is given, and rate 0 turns policing off', async () => {
    const br = await memBridge('pol', ['in_port=1,actions=output:2']);
    await br.setIngressPolicing('m1', { rate: 10 });
    expect(br.ingressPolicing('m1')).toEqual({ rate: 10, burst: 0 });
    // 8000 kbit: 1000 frames of 1000 bytes.
    expect((await sendFrames(br, 1, frames(1100, 1000)))[2]).toHaveLength(1000);
    await br.setIngressPolicing('m1', { rate: 0 });
    expect((await sendFrames(br, 1, frames(1100, 1000)))[2]).toHaveLength(1100);
    expect(br.ingressPolicing('m1')).toEqual({ rate: 0, burst: 0 });
  });

  it('refuses a negative or non-numeric rate and burst, naming the setting, and changes nothing', async () => {
    const br = await memBridge('pol', ['in_port=1,actions=output:2']);
    await br.setIngressPolicing('m1', { rate: 10, burst: 100 });
    await expect(br.setIngressPolicing('m1', { rate: -1 })).rejects.toThrow(/ingress_policing_rate must be an integer from 0 to 4294967295, got -1/);
    await expect(br.setIngressPolicing('m1', { rate: 'fast' as unknown as number })).rejects.toThrow(/ingress_policing_rate .*got "fast"/);
    await expect(br.setIngressPolicing('m1', { rate: 10, burst: 1.5 })).rejects.toThrow(/ingress_policing_burst/);
    expect(br.ingressPolicing('m1')).toEqual({ rate: 10, burst: 100 });
    expect((await sendFrames(br, 1, frames(100, 1000)))[2]).toHaveLength(12);
  });
});

describe('OpenFlow meters', () => {
  it('limits the flow that names the meter, not the others; counts per meter and per band', async () => {
    const br = await memBridge('meter');
    await br.addMeter('meter=1,kbps,burst,bands=type=drop,rate=10,burst_size=100');
    await br.addFlow('priority=10,udp,tp_dst=5000,actions=meter:1,output:2');
    await br.addFlow('priority=10,udp,tp_dst=6000,actions=output:3');
    const out = await sendFrames(br, 1, [...frames(100, 1000, 0, 5000), ...frames(100, 1000, 0, 6000)]);
    expect(out[2]).toHaveLength(12);
    expect(out[3]).toHaveLength(100);
    const [s] = await br.meterStats();
    expect(s!.flowCount).toBe(1);
    expect(s!.stats.packets).toBe(100);
    expect(s!.stats.bytes).toBe(100 * 1000);
    expect(s!.stats.bands).toEqual([{ packets: 88, bytes: 88 * 1000 }]);
    const [flow] = await br.dumpFlowsText('tp_dst=5000,udp');
    expect(flow).toMatch(/n_packets=100,.*actions=meter:1,output:2$/);
  });

  it('is a kMeter op first in the program, decided per packet: it adds nothing to the megaflow', async () => {
    const br = await memBridge('meter');
    await br.addMeter('meter=4,kbps,bands=type=drop,rate=100');
    await br.addFlow('in_port=1,actions=meter:4,output:2');
    const t = await traceFields(br, 'in_port=1,udp,tp_dst=53');
    expect(t.actions).toEqual(['meter(4)', 'output:2']);
    expect(t.megaflow.match).toBe('in_port=1');
    expect(t.steps[0]!.flow!.actions).toEqual(['meter:4', 'output:2']);
    expect((await br.traceFrame(frames(1, 100)[0]!, 1)).ops.map((o) => o.code)).toEqual([constants.op.meter, constants.op.output]);
  });

  it('meters in packets per second with pktps', async () => {
    const br = await memBridge('meter');
    await br.addMeter('meter=7 pktps burst bands=type=drop rate=10 burst_size=5');
    await br.addFlow('in_port=1,actions=meter:7,output:2');
    expect((await sendFrames(br, 1, frames(20, 100)))[2]).toHaveLength(5);
  });

  it('a dscp_remark band raises the drop precedence of what exceeds it and lets it through', async () => {
    const br = await memBridge('meter');
    await br.addMeter('meter=2,kbps,burst,bands=type=dscp_remark,rate=10,burst_size=100,prec_level=1');
    await br.addFlow('in_port=1,actions=meter:2,output:2');
    // AF11 (DSCP 10, TOS 0x28): the first 12 fit and keep it, the rest become AF12 (DSCP 12).
    const out = (await sendFrames(br, 1, frames(20, 1000, 0x28)))[2]!;
    expect(out).toHaveLength(20);
    const dscps = out.map((f) => P.decode(f).ipv4!.tos >> 2);
    expect(dscps).toEqual([...Array(12).fill(10), ...Array(8).fill(12)]);
    for (const f of out) expect(P.checksumErrors(f)).toEqual([]);
  });

  it('picks the band of highest rate among those exceeded', async () => {
    const br = await memBridge('meter');
    // Remark above 100 kbit of burst, drop above 200: 12 pass as they are, 12 remarked, the rest dropped.
    await br.addMeter('meter=3,kbps,burst,bands=type=drop,rate=20,burst_size=200,type=dscp_remark,rate=10,burst_size=100,prec_level=2');
    await br.addFlow('in_port=1,actions=meter:3,output:2');
    const out = (await sendFrames(br, 1, frames(50, 1000, 0x28)))[2]!;
    const dscps = out.map((f) => P.decode(f).ipv4!.tos >> 2);
    expect(dscps).toEqual([...Array(12).fill(10), ...Array(13).fill(14)]);
    const [s] = await br.meterStats();
    expect(s!.stats.bands.map((b) => b.packets)).toEqual([25, 13]);
  });

  it('mod-meter changes the bands in place; del-meters deletes the meter and the flows that use it', async () => {
    const br = await memBridge('meter', ['priority=0,actions=output:3']);
    await br.addMeter('meter=1,kbps,burst,bands=type=drop,rate=10,burst_size=100');
    await br.addFlow('priority=10,in_port=1,actions=meter:1,output:2');
    await br.modMeter('meter=1,kbps,burst,bands=type=drop,rate=10,burst_size=200');
    // The bucket keeps its level (full, 100 kbit) up to the new depth: 12 pass.
    expect((await sendFrames(br, 1, frames(100, 1000)))[2]).toHaveLength(12);
    expect(br.dumpMeters().map((m) => m.bands[0]!.burstSize)).toEqual([200]);
    expect(await br.delMeters('meter=1')).toEqual({ meters: 1, flows: 1 });
    expect(br.dumpMeters()).toEqual([]);
    expect(await br.dumpFlowsText()).toHaveLength(1);
    expect((await sendFrames(br, 1, frames(10, 1000)))[3]).toHaveLength(10);
  });

  it('refuses a flow naming a meter that does not exist, and bad meters, changing nothing', async () => {
    const br = await memBridge('meter');
    await expect(br.addFlow('in_port=1,actions=meter:9,output:2')).rejects.toThrow('meter:9: meter 9 does not exist on bridge meter');
    expect(await br.dumpFlowsText()).toEqual([]);
    await expect(br.addMeter('meter=1,kbps,bands=type=drop')).rejects.toThrow(/band 1 \(drop\) has no rate/);
    await expect(br.addMeter('meter=1,kbps,bands=type=drop,rate=0')).rejects.toThrow(/rate=0: a band rate must be an integer from 1/);
    await expect(br.addMeter('meter=1,kbps,bands=type=drop,rate=-5')).rejects.toThrow(/rate=-5: a band rate must be an integer/);
    await expect(br.addMeter('meter=1,kbps,bands=type=drop,rate=ten')).rejects.toThrow(/got "ten"/);
    await expect(br.addMeter('meter=1,kbps')).rejects.toThrow(/at least one band/);
    await expect(br.addMeter('kbps,bands=type=drop,rate=10')).rejects.toThrow(/needs its id/);
    await expect(br.addMeter('meter=1,kbps,pktps,bands=type=drop,rate=10')).rejects.toThrow(/kbps or pktps, not both/);
    await expect(br.addMeter('meter=1,bands=type=police,rate=10')).rejects.toThrow(/type=police: band type must be drop or dscp_remark/);
    await expect(br.modMeter('meter=1,kbps,bands=type=drop,rate=10')).rejects.toThrow(/meter 1 does not exist/);
    expect(br.dumpMeters()).toEqual([]);
    await br.addMeter('meter=1,kbps,bands=type=drop,rate=10');
    await expect(br.addMeter('meter=1,kbps,bands=type=drop,rate=20')).rejects.toThrow(/meter 1 already exists/);
    expect(br.dumpMeters()[0]!.bands[0]!.rate).toBe(10);
  });
});
