// `nodeswitch trace` output, shaped like ovs-appctl ofproto/trace:
//
//   Flow: udp,in_port=1,vlan_tci=0x0000,dl_src=…,tp_src=0,tp_dst=53
//
//   bridge("br0")
//   -------------
//    0. udp,tp_dst=53, priority 100, cookie 0x5
//       resubmit(,1)
//        1. No match.
//           drop
//
//   Final flow: unchanged
//   Datapath actions: output:2
//
// Each table visited is "N. <match>, priority P" (", cookie C" when not zero, as OVS),
// its actions indented under it, each followed by its notes ("-> forwarding to
// learned port 2 (vnet1): …" for NORMAL, ">> skipping output to input port");
// tables reached through resubmit are indented four more columns per level.
import type { TraceView } from '../daemon/trace.js';

export function formatTrace(t: TraceView): string {
  const lines = [`Flow: ${t.flow}`, '', `bridge("${t.bridge}")`, '-'.repeat(`bridge("${t.bridge}")`.length)];
  for (const s of t.steps) {
    const indent = '    '.repeat(s.depth);
    const head = `${indent}${String(s.table).padStart(2)}. `;
    if (!s.flow) {
      lines.push(`${head}No match.`, `${indent}    drop`);
      continue;
    }
    const f = s.flow;
    const cookie = f.cookie === '0x0' ? '' : `, cookie ${f.cookie}`;
    lines.push(`${head}${f.match ? `${f.match}, ` : ''}priority ${f.priority}${cookie}`);
    f.actions.forEach((a, i) => {
      lines.push(`${indent}    ${a}`);
      for (const n of f.notes ?? []) if (n.action === i) lines.push(`${indent}     ${n.mark} ${n.text}`);
    });
  }
  lines.push('', `Final flow: ${t.finalFlow === t.flow ? 'unchanged' : t.finalFlow}`);
  lines.push(`Datapath actions: ${t.actions.length ? t.actions.join(',') : 'drop'}`);
  return lines.map((l) => `${l}\n`).join('');
}
