// A bridge's OpenFlow meters as TypeScript keeps them: the specs (what dump-meters
// prints and the config DB saves) in front of the datapath's meter table
// (native/dp/meter_table.h), which runs the buckets and counts. OpenFlow's rules
// for meter-mods: add refuses a meter that exists (OFPMMFC_METER_EXISTS), modify one
// that does not (OFPMMFC_UNKNOWN_METER); deleting a meter removes the flows that use
// it — the Bridge does that part (Bridge.delMeters), it owns the flows.
import { NodeswitchError } from '../errors.js';
import type { NativeDatapath, NativeMeterStats } from '../native.js';
import { type MeterSpec, nativeMeter } from './meter-syntax.js';

type Datapath = Pick<NativeDatapath, 'setMeter' | 'deleteMeters' | 'meterStats'>;

interface Entry {
  spec: MeterSpec;
  created: number;
}

export interface MeterWithStats {
  spec: MeterSpec;
  stats: NativeMeterStats;
  /** Seconds since it was added. */
  durationSec: number;
}

export class MeterTable {
  private readonly meters = new Map<number, Entry>();

  constructor(
    private readonly dp: Datapath,
    private readonly bridge: string,
  ) {}

  has(id: number): boolean {
    return this.meters.has(id);
  }

  /** Every meter, by id. */
  list(): MeterSpec[] {
    return [...this.meters.values()].map((e) => e.spec).sort((a, b) => a.id - b.id);
  }

  async add(spec: MeterSpec): Promise<void> {
    if (this.meters.has(spec.id)) {
      throw new NodeswitchError(`meter ${spec.id} already exists on bridge ${this.bridge} (mod-meter changes it)`, 'meter');
    }
    await this.dp.setMeter(nativeMeter(spec));
    this.meters.set(spec.id, { spec, created: Date.now() });
  }

  /** New flags and bands; the counters and the age stay, as in Open vSwitch. */
  async modify(spec: MeterSpec): Promise<void> {
    const old = this.meters.get(spec.id);
    if (!old) throw new NodeswitchError(`meter ${spec.id} does not exist on bridge ${this.bridge} (add-meter adds it)`, 'meter');
    await this.dp.setMeter(nativeMeter(spec));
    old.spec = spec;
  }

  /** The ids a selector names that exist ('all': every meter). */
  select(which: number | 'all'): number[] {
    return which === 'all' ? this.list().map((m) => m.id) : this.meters.has(which) ? [which] : [];
  }

  /** Removes the meters (the flows that use them must be gone already); returns their ids. */
  async delete(ids: number[]): Promise<number[]> {
    if (!ids.length) return [];
    await this.dp.deleteMeters(ids);
    for (const id of ids) this.meters.delete(id);
    return ids;
  }

  async stats(ids: number[]): Promise<MeterWithStats[]> {
    const wanted = new Set(ids);
    const byId = new Map((await this.dp.meterStats()).map((s) => [s.id, s]));
    const now = Date.now();
    return this.list()
      .filter((m) => wanted.has(m.id))
      .map((spec) => ({
        spec,
        stats: byId.get(spec.id) ?? { id: spec.id, packets: 0, bytes: 0, bands: spec.bands.map(() => ({ packets: 0, bytes: 0 })) },
        durationSec: (now - this.meters.get(spec.id)!.created) / 1000,
      }));
  }
}
