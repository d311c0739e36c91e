// Port mirrors (SPAN and RSPAN), Open vSwitch's Mirror table: what a mirror
// selects and where its copies go, checked once here for the API, the daemon and
// the DB loader, and compiled to the datapath's form (native/dp/mirror.h).
//
// Ports are named; the datapath takes ofports. A mirror may not send its copies
// to one of its own sources, nor select nothing; a select-all mirror leaves its
// own output port out, as OVS does.
import { NodeswitchError } from './errors.js';
import type { Range } from './limits.js';
import { checkInteger } from './validate.js';

/** OVS's MAX_MIRRORS: the datapath keeps a mirror as one bit of a 32-bit mask. */
export const MAX_MIRRORS = 32;
/** A VLAN a mirror selects or tags with: 802.1Q's usable VIDs. */
export const MIRROR_VLAN: Range = { min: 1, max: 4094 };
const MIRROR_NAME = /^[A-Za-z0-9_.:@-]{1,64}$/;

/** What a mirror selects and where it sends its copies (ports by name). */
export interface MirrorSpec {
  /** Every packet in or out of any port (but the output port). */
  selectAll?: boolean;
  /** Packets received on these ports. */
  selectSrcPort?: string[];
  /** Packets sent out of these ports. */
  selectDstPort?: string[];
  /** Only packets on these VLANs (the outer VID as the pipeline sees it); none: every VLAN. */
  selectVlan?: number[];
  /** SPAN: the copies go out of this port, unmodified. */
  outputPort?: string;
  /** RSPAN: the copies, tagged with this VLAN, go to every port that carries it. */
  outputVlan?: number;
}

export interface MirrorInfo extends MirrorSpec {
  name: string;
  /** Copies sent, and their bytes (the frames as selected). */
  packets: number;
  bytes: number;
}

/** The datapath's form (addon setMirrors). */
export interface NativeMirror {
  name: string;
  selectAll: boolean;
  selectSrc: number[];
  selectDst: number[];
  selectVlan: number[];
  outputPort: number;
  outputVlan: number;
}

export function checkMirrorName(name: unknown): string {
  if (typeof name !== 'string' || !MIRROR_NAME.test(name)) {
    throw new NodeswitchError(
      `mirror name ${JSON.stringify(name)} is not valid (1–64 characters: letters, digits and _ . : @ -)`,
      'name',
    );
  }
  return name;
}

/**
 * Checks a mirror against the bridge's ports (`hasPort`) and returns it in its
 * canonical form (only what was given, lists without duplicates refused).
 */
export function checkMirror(
  spec: MirrorSpec,
  hasPort: (name: string) => boolean,
  bridge: string,
  /** A saved mirror may select nothing: its only source port was deleted since. */
  opts: { saved?: boolean } = {},
): MirrorSpec {
  const out: MirrorSpec = {};
  const ports = (list: unknown, argument: string): string[] | undefined => {
    if (list === undefined) return undefined;
    if (!Array.isArray(list) || list.length === 0) throw new NodeswitchError(`${argument} must be a list of ports`, argument);
    const seen = new Set<string>();
    for (const p of list) {
      if (typeof p !== 'string') throw new NodeswitchError(`${argument}: ${JSON.stringify(p)} is not a port name`, argument);
      if (!hasPort(p)) throw new NodeswitchError(`${argument}: bridge ${bridge} has no port ${p}`, argument);
      if (seen.has(p)) throw new NodeswitchError(`${argument}: port ${p} is listed twice`, argument);
      seen.add(p);
    }
    return (list as string[]).slice();
  };
  if (spec.selectAll !== undefined && typeof spec.selectAll !== 'boolean') {
    throw new NodeswitchError('select-all must be true or false', 'select-all');
  }
  if (spec.selectAll) out.selectAll = true;
  const src = ports(spec.selectSrcPort, 'select-src-port');
  const dst = ports(spec.selectDstPort, 'select-dst-port');
  if (src) out.selectSrcPort = src;
  if (dst) out.selectDstPort = dst;
  if (spec.selectVlan !== undefined) {
    if (!Array.isArray(spec.selectVlan) || spec.selectVlan.length === 0) {
      throw new NodeswitchError('select-vlan must be a list of VLAN ids', 'select-vlan');
    }
    const seen = new Set<number>();
    out.selectVlan = spec.selectVlan.map((v) => {
      const vid = checkInteger(v, 'select-vlan', MIRROR_VLAN);
      if (seen.has(vid)) throw new NodeswitchError(`select-vlan: VLAN ${vid} is listed twice`, 'select-vlan');
      seen.add(vid);
      return vid;
    });
  }
  if (!out.selectAll && !src && !dst && !opts.saved) {
    throw new NodeswitchError('a mirror must select something: --select-all, --select-src-port or --select-dst-port', 'select');
  }
  const hasOutPort = spec.outputPort !== undefined;
  const hasOutVlan = spec.outputVlan !== undefined;
  if (hasOutPort === hasOutVlan) {
    throw new NodeswitchError(
      `a mirror needs exactly one output: --output-port P or --output-vlan V${hasOutPort ? ', not both' : ''}`,
      hasOutPort ? 'output-vlan' : 'output-port',
    );
  }
  if (hasOutPort) {
    const p = spec.outputPort;
    if (typeof p !== 'string' || !hasPort(p)) throw new NodeswitchError(`output-port: bridge ${bridge} has no port ${String(p)}`, 'output-port');
    if (src?.includes(p) || dst?.includes(p)) {
      const which = src?.includes(p) ? 'select-src-port' : 'select-dst-port';
      throw new NodeswitchError(`output-port ${p} is one of the mirror's sources (${which}): a mirror cannot output to what it selects`, 'output-port');
    }
    out.outputPort = p;
  } else {
    out.outputVlan = checkInteger(spec.outputVlan, 'output-vlan', MIRROR_VLAN);
  }
  return out;
}

/** The port names a mirror refers to. */
export function mirrorPorts(m: MirrorSpec): string[] {
  return [...(m.selectSrcPort ?? []), ...(m.selectDstPort ?? []), ...(m.outputPort !== undefined ? [m.outputPort] : [])];
}

/** The mirror without `port` in its selections (the port was deleted: OVS's weak references). */
export function withoutPort(m: MirrorSpec, port: string): MirrorSpec {
  const out = { ...m };
  const drop = (list: string[] | undefined): string[] | undefined => {
    const left = list?.filter((p) => p !== port);
    return left && left.length ? left : undefined;
  };
  const src = drop(m.selectSrcPort);
  const dst = drop(m.selectDstPort);
  delete out.selectSrcPort;
  delete out.selectDstPort;
  if (src) out.selectSrcPort = src;
  if (dst) out.selectDstPort = dst;
  return out;
}

export function compileMirror(name: string, m: MirrorSpec, ofportOf: (port: string) => number): NativeMirror {
  return {
    name,
    selectAll: m.selectAll === true,
    selectSrc: (m.selectSrcPort ?? []).map(ofportOf),
    selectDst: (m.selectDstPort ?? []).map(ofportOf),
    selectVlan: m.selectVlan ?? [],
    outputPort: m.outputPort !== undefined ? ofportOf(m.outputPort) : 0,
    outputVlan: m.outputVlan ?? 0,
  };
}
