// OpenFlow 1.3 meters in ovs-ofctl's syntax (ovs-ofctl(8), "Meter Syntax"):
//
//   meter=1,kbps,burst,stats,bands=type=drop,rate=10000,burst_size=1000
//   meter=2,pktps,bands=type=dscp_remark,rate=100,prec_level=1,type=drop,rate=200
//
// Fields are separated by commas or spaces; `bands=` ends the meter's own fields and
// every `type=` after it starts a band. kbps or pktps (one of them, as ovs-ofctl
// requires); burst allows the bands' burst_size (ovs-ofctl refuses a burst_size
// without it); stats is accepted and printed (counters are always kept). dump-meters and meter-stats print as ovs-ofctl does (printMeter,
// printMeterStats). Errors name the token at fault and say what is expected.
//
// No imports of the addon: the DB loader and the CLI parse meters too.
import { NodeswitchError } from '../errors.js';

export type MeterBandType = 'drop' | 'dscp_remark';

export interface MeterBand {
  type: MeterBandType;
  /** kbit/s, or packets/s with pktps; above 0. */
  rate: number;
  /** kbit, or packets (only with the meter's burst flag); 0: as Open vSwitch, the rate (one second's worth). */
  burstSize: number;
  /** dscp_remark: how many drop-precedence levels a packet over the rate goes up. */
  precLevel: number;
}

export interface MeterSpec {
  id: number;
  unit: 'kbps' | 'pktps';
  burst: boolean;
  stats: boolean;
  bands: MeterBand[];
}

/** OFPM_MAX: meter ids above it are OpenFlow's reserved ones (slowpath, controller, all). */
export const METER_ID_MAX = 0xffff0000;
/** Bands per meter the datapath takes (native/dp/meter_table.h kMaxBands). */
export const METER_MAX_BANDS = 8;
const U32_MAX = 0xffffffff;

/** A meter text that cannot be used: names the token and says why. */
export class MeterSyntaxError extends NodeswitchError {
  constructor(
    readonly token: string,
    readonly reason: string,
  ) {
    super(`${token}: ${reason}`, 'meter');
    this.name = 'MeterSyntaxError';
  }
}

function tokens(text: string): string[] {
  return text.split(/[\s,]+/).filter((t) => t !== '');
}

function integer(token: string, value: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new MeterSyntaxError(token, `${what} must be an integer from ${min} to ${max}, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new MeterSyntaxError(token, `${what} must be an integer from ${min} to ${max}, got ${value}`);
  return n;
}

/** meter=N (1..OFPM_MAX), or meter=all when `allowAll` (del-meters, dump-meters). */
function meterId(token: string, value: string, allowAll: boolean): number | 'all' {
  if (allowAll && value === 'all') return 'all';
  return integer(token, value, 'the meter id', 1, METER_ID_MAX);
}

/** add-meter / mod-meter: a whole meter. */
export function parseMeter(text: string): MeterSpec {
  let id: number | undefined;
  const flags = { kbps: false, pktps: false, burst: false, stats: false };
  const bands: (Partial<MeterBand> & { token: string })[] = [];
  let inBands = false;
  for (const raw of tokens(text)) {
    let token = raw;
    if (!inBands && token.startsWith('bands=')) {
      inBands = true;
      token = token.slice('bands='.length);
      if (token === '') continue;
    }
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? undefined : token.slice(eq + 1);
    if (!inBands) {
      if (key === 'meter') {
        if (value === undefined) throw new MeterSyntaxError(raw, 'meter needs an id: meter=N');
        if (id !== undefined) throw new MeterSyntaxError(raw, 'meter is given twice');
        id = meterId(raw, value, false) as number;
      } else if (key in flags && value === undefined) {
        flags[key as keyof typeof flags] = true;
      } else {
        throw new MeterSyntaxError(raw, 'unknown meter field (expected meter=N, kbps, pktps, burst, stats, bands=…)');
      }
      continue;
    }
    if (value === undefined) throw new MeterSyntaxError(raw, 'a band field is KEY=VALUE (type=, rate=, burst_size=, prec_level=)');
    if (key === 'type') {
      if (value !== 'drop' && value !== 'dscp_remark') throw new MeterSyntaxError(raw, 'band type must be drop or dscp_remark');
      bands.push({ token: raw, type: value });
      continue;
    }
    const band = bands.at(-1);
    if (!band) throw new MeterSyntaxError(raw, 'a band starts with its type: type=drop or type=dscp_remark');
    const field = ({ rate: 'rate', burst_size: 'burstSize', prec_level: 'precLevel' } as const)[key as 'rate'];
    if (field === undefined) throw new MeterSyntaxError(raw, 'unknown band field (expected type=, rate=, burst_size=, prec_level=)');
    if (band[field] !== undefined) throw new MeterSyntaxError(raw, `${key} is given twice in one band`);
    if (field === 'rate') band.rate = integer(raw, value, 'a band rate', 1, U32_MAX);
    else if (field === 'burstSize') band.burstSize = integer(raw, value, 'burst_size', 0, U32_MAX);
    else {
      if (band.type !== 'dscp_remark') throw new MeterSyntaxError(raw, 'prec_level is for dscp_remark bands only');
      band.precLevel = integer(raw, value, 'prec_level', 0, 255);
    }
  }
  if (id === undefined) throw new MeterSyntaxError(text.trim() || '(empty)', 'a meter needs its id: meter=N');
  if (flags.kbps && flags.pktps) throw new MeterSyntaxError('pktps', 'a meter is kbps or pktps, not both');
  if (!flags.kbps && !flags.pktps) throw new MeterSyntaxError(`meter=${id}`, 'a meter must say kbps or pktps');
  if (!bands.length) throw new MeterSyntaxError(`meter=${id}`, 'a meter needs at least one band: bands=type=drop,rate=N');
  if (bands.length > METER_MAX_BANDS) throw new MeterSyntaxError(bands[METER_MAX_BANDS]!.token, `a meter has at most ${METER_MAX_BANDS} bands`);
  return {
    id,
    unit: flags.pktps ? 'pktps' : 'kbps',
    burst: flags.burst,
    stats: flags.stats,
    bands: bands.map((b, i) => {
      if (b.rate === undefined) throw new MeterSyntaxError(b.token, `band ${i + 1} (${b.type}) has no rate: rate=N is required`);
      if (b.burstSize !== undefined && !flags.burst) {
        throw new MeterSyntaxError(`burst_size=${b.burstSize}`, "a band may have a burst_size only when the meter has the 'burst' flag");
      }
      return { type: b.type!, rate: b.rate, burstSize: b.burstSize ?? 0, precLevel: b.precLevel ?? 0 };
    }),
  };
}

/** del-meters / dump-meters / meter-stats: "" or "meter=all" (every meter), or "meter=N". */
export function parseMeterSelector(text: string | undefined): number | 'all' {
  const list = tokens(text ?? '');
  if (!list.length) return 'all';
  if (list.length > 1) throw new MeterSyntaxError(list[1]!, 'only meter=N or meter=all selects meters here');
  const [raw] = list as [string];
  // ovs-ofctl takes a bare number too.
  if (/^\d+$/.test(raw)) return meterId(raw, raw, false);
  if (!raw.startsWith('meter=')) throw new MeterSyntaxError(raw, 'expected meter=N or meter=all');
  return meterId(raw, raw.slice('meter='.length), true);
}

function flagWords(m: MeterSpec): string[] {
  return [m.unit, ...(m.burst ? ['burst'] : []), ...(m.stats ? ['stats'] : [])];
}

function bandFields(m: MeterSpec, b: MeterBand): string[] {
  return [
    `type=${b.type}`,
    `rate=${b.rate}`,
    ...(m.burst ? [`burst_size=${b.burstSize}`] : []),
    ...(b.type === 'dscp_remark' ? [`prec_level=${b.precLevel}`] : []),
  ];
}

/** One line add-meter takes back as is (the config DB's form). */
export function formatMeter(m: MeterSpec): string {
  const bands = m.bands.map((b) => bandFields(m, b).join(','));
  return `meter=${m.id},${flagWords(m).join(',')},bands=${bands.join(',')}`;
}

/** dump-meters, as ovs-ofctl prints a meter: "meter=1 kbps burst bands=\ntype=drop rate=10000 burst_size=1000". */
export function printMeter(m: MeterSpec): string[] {
  return [`meter=${m.id} ${flagWords(m).join(' ')} bands=`, ...m.bands.map((b) => bandFields(m, b).join(' '))];
}

export interface MeterStatsView {
  id: number;
  flowCount: number;
  packetInCount: number;
  byteInCount: number;
  /** Seconds since the meter was added. */
  duration: number;
  bands: { packetCount: number; byteCount: number }[];
}

/** meter-stats, as ovs-ofctl prints one meter's statistics. */
export function printMeterStats(s: MeterStatsView): string[] {
  return [
    `meter:${s.id} flow_count:${s.flowCount} packet_in_count:${s.packetInCount} byte_in_count:${s.byteInCount} duration:${s.duration.toFixed(3)}s bands:`,
    ...s.bands.map((b, i) => `${i}: packet_count:${b.packetCount} byte_count:${b.byteCount}`),
  ];
}

/** What the datapath runs: each band's burst defaulted as Open vSwitch's datapath does (none: the rate). */
export function nativeMeter(m: MeterSpec): { id: number; pktps: boolean; bands: { type: MeterBandType; rate: number; burst: number; precLevel: number }[] } {
  return {
    id: m.id,
    pktps: m.unit === 'pktps',
    bands: m.bands.map((b) => ({ type: b.type, rate: b.rate, burst: b.burstSize || b.rate, precLevel: b.precLevel })),
  };
}
