// Human output, shaped like the OVS tools people already read: ovs-vsctl show,
// ovs-ofctl dump-ports, ovs-appctl fdb/show. --json prints the daemon's result as is.
import type { JobInfo } from '../daemon/jobs.js';
import type { DumpPortRow, ShowResult } from '../daemon/protocol.js';
import type { FdbEntry } from '../types.js';
import { OFPP_LOCAL } from '../limits.js';
import { formatOpenFlowShow } from './openflow-commands.js';

/** A port number as the OVS tools print it: LOCAL for the bridge's own port. */
function ofportText(ofport: number): string {
  return ofport === OFPP_LOCAL ? 'LOCAL' : String(ofport);
}

export function formatJson(result: unknown): string {
  return JSON.stringify(result, null, 2) + '\n';
}

export function formatList(names: string[]): string {
  return names.map((n) => `${n}\n`).join('');
}

/** Like ovs-vsctl show: bridges, then their ports with type and ofport. */
export function formatShow(show: ShowResult): string {
  const lines: string[] = [];
  for (const b of show.bridges) {
    lines.push(`Bridge ${b.name}`);
    lines.push(`    mac-aging: ${b.macAging}`);
    lines.push(`    mac-table-size: ${b.macTableSize}`);
    lines.push(`    datapath-poll: ${b.datapathPoll}`);
    if (b.openflow) lines.push(...formatOpenFlowShow(b.openflow));
    for (const p of b.ports) {
      lines.push(`    Port ${p.name}`);
      lines.push(`        ofport: ${ofportText(p.ofport)}`);
      lines.push(`        type: ${p.type}`);
      if (p.tag !== undefined) lines.push(`        tag: ${p.tag}`);
      if (p.trunks !== undefined) lines.push(`        trunks: [${p.trunks.join(', ')}]`);
      if (p.vlanMode !== undefined) lines.push(`        vlan_mode: ${p.vlanMode}`);
      for (const m of p.members ?? []) lines.push(`        Interface ${m}`);
      if (p.ingressPolicingRate !== undefined) lines.push(`        ingress_policing_rate: ${p.ingressPolicingRate}`);
      if (p.ingressPolicingBurst !== undefined) lines.push(`        ingress_policing_burst: ${p.ingressPolicingBurst}`);
      if (p.qos !== undefined) lines.push(`        qos: ${p.qos}`);
      lines.push(`        state: ${p.state}${p.reason ? ` (${p.reason})` : ''}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Like ovs-ofctl dump-ports: an rx line, a tx line, then name, type and link state. */
export function formatDumpPorts(bridge: string, stats: DumpPortRow[]): string {
  const lines = [`bridge ${bridge}: ${stats.length} port${stats.length === 1 ? '' : 's'}`];
  for (const s of stats) {
    const head = `  port ${ofportText(s.ofport).padStart(2)}: `;
    const pad = ' '.repeat(head.length);
    lines.push(`${head}rx pkts=${s.rxPackets}, bytes=${s.rxBytes}, drop=${s.rxDropped}, errs=${s.rxErrors}`);
    lines.push(`${pad}tx pkts=${s.txPackets}, bytes=${s.txBytes}, drop=${s.txDropped}, errs=${s.txErrors}`);
    lines.push(`${pad}name=${s.name}, type=${s.type}, state=${s.state}, link-downs=${s.linkDowns}${s.rxPoliced ? `, policed=${s.rxPoliced}` : ''}`);
    for (const q of s.queues ?? []) {
      lines.push(`${pad}queue ${q.queue}: tx pkts=${q.txPackets}, bytes=${q.txBytes}, drop=${q.txDropped}, backlog=${q.backlogPackets}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Like ovs-appctl fdb/show: one row per learned MAC, the port as its ofport. */
export function formatFdb(entries: FdbEntry[]): string {
  const lines = [' port  VLAN  MAC                Age'];
  for (const e of entries) {
    lines.push(`${ofportText(e.ofport).padStart(5)}  ${String(e.vlan).padStart(4)}  ${e.mac.padEnd(17)}  ${String(e.age).padStart(3)}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Like ovs-ofctl -O OpenFlow13 dump-flows: one flow a line, each indented by one space. */
export function formatDumpFlows(lines: string[]): string {
  return lines.map((l) => ` ${l}\n`).join('');
}

/** list-jobs: one row per running capture or inject. */
export function formatJobs(jobs: JobInfo[]): string {
  if (!jobs.length) return 'no jobs running\n';
  const rows = [
    ['ID', 'KIND', 'BRIDGE', 'PORT', 'OFPORT', 'STARTED', 'FILE'],
    ...jobs.map((j) => [String(j.id), j.kind, j.bridge, j.port, String(j.ofport), j.started, j.file]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ') + '\n').join('');
}
