// A recorder of what a real OpenFlow client sends: a unix-socket listener that
// answers HELLO, FEATURES, BARRIER, ECHO and every multipart request minimally (with
// replies our codec encodes, so the client proceeds) and keeps every message it got.
// Not the switch (src/openflow/conn is): a test peer for ovs-ofctl.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFPP } from '../../src/ofproto/values.js';
import {
  decodeMessage,
  encodeMessage,
  type MultipartReplyBody,
  type MultipartRequestMsg,
  type OfMessage,
  type TableFeatures,
} from '../../src/openflow/wire/index.js';
import { port } from './openflow-samples.js';

/** The 8 properties ovs-ofctl insists a table-features reply has. */
export function tableFeatures(tableId: number): TableFeatures {
  return {
    tableId, name: `table${tableId}`, metadataMatch: 0xffffffffffffffffn, metadataWrite: 0xffffffffffffffffn, config: 0, maxEntries: 1_000_000,
    properties: [
      { type: 'instructions', ids: [1, 2, 3, 4, 5, 6] },
      { type: 'next_tables', ids: [] },
      { type: 'write_actions', ids: [0] },
      { type: 'apply_actions', ids: [0] },
      { type: 'match', ids: [0x80000004] },
      { type: 'wildcards', ids: [0x80000004] },
      { type: 'write_setfield', ids: [] },
      { type: 'apply_setfield', ids: [] },
    ],
  };
}

export const RECORDER_PORTS = [port(1, 'p1'), port(2, 'p2'), port(OFPP.LOCAL, 'br0')];

function replyBody(req: MultipartRequestMsg): MultipartReplyBody {
  const z = { packetCount: 0n, byteCount: 0n };
  switch (req.body.mpType) {
    case 'desc':
      return { mpType: 'desc', mfrDesc: 'recorder', hwDesc: '', swDesc: '', serialNum: '', dpDesc: '' };
    case 'aggregate':
      return { mpType: 'aggregate', ...z, flowCount: 0 };
    case 'table_features':
      return { mpType: 'table_features', tables: [tableFeatures(0)] };
    case 'port_desc':
      return { mpType: 'port_desc', ports: RECORDER_PORTS };
    case 'group_features':
      return { mpType: 'group_features', types: 0xf, capabilities: 3, maxGroups: [1, 1, 1, 1], actions: [1, 1, 1, 1] };
    case 'meter_features':
      return { mpType: 'meter_features', maxMeter: 100, bandTypes: 6, capabilities: 0xf, maxBands: 8, maxColor: 0 };
    case 'flow':
      return { mpType: 'flow', flows: [] };
    case 'table':
      return { mpType: 'table', tables: [] };
    case 'port_stats':
      return { mpType: 'port_stats', ports: [] };
    case 'queue':
      return { mpType: 'queue', queues: [] };
    case 'group':
      return { mpType: 'group', groups: [] };
    case 'group_desc':
      return { mpType: 'group_desc', groups: [] };
    case 'meter':
      return { mpType: 'meter', meters: [] };
    case 'meter_config':
      return { mpType: 'meter_config', meters: [] };
  }
}

/** The switch config a SET_CONFIG set, for GET_CONFIG (ovs-ofctl set-frags reads it back). */
const config = { flags: 0, missSendLen: 128 };

function answer(m: OfMessage): OfMessage | undefined {
  switch (m.type) {
    case 'features_request':
      return { type: 'features_reply', xid: m.xid, datapathId: 1n, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f };
    case 'get_config_request':
      return { type: 'get_config_reply', xid: m.xid, ...config };
    case 'set_config':
      config.flags = m.flags;
      config.missSendLen = m.missSendLen;
      return undefined;
    case 'barrier_request':
      return { type: 'barrier_reply', xid: m.xid };
    case 'echo_request':
      return { type: 'echo_reply', xid: m.xid, data: m.data };
    case 'role_request':
      return { type: 'role_reply', xid: m.xid, role: m.role === 'nochange' ? 'equal' : m.role, generationId: m.generationId };
    case 'get_async_request':
      return { type: 'get_async_reply', xid: m.xid, packetInMask: [3, 0], portStatusMask: [7, 7], flowRemovedMask: [15, 0] };
    case 'queue_get_config_request':
      return { type: 'queue_get_config_reply', xid: m.xid, port: m.port, queues: [{ queueId: 0, port: m.port, minRate: 100, maxRate: 500 }] };
    case 'multipart_request':
      return { type: 'multipart_reply', xid: m.xid, flags: 0, body: replyBody(m) };
    default:
      return undefined;
  }
}

export interface Recorder {
  path: string;
  /** Every message received so far (decoded), in order, over all connections. */
  messages: OfMessage[];
  /** Bytes that failed to decode (must stay empty). */
  failures: { hex: string; error: string }[];
  /** Messages received since the last take(), HELLOs and BARRIERs left out. */
  take(): OfMessage[];
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const dir = mkdtempSync(join(tmpdir(), 'ofcodec-rec-'));
  const path = join(dir, 'br0.mgmt');
  const messages: OfMessage[] = [];
  const failures: Recorder['failures'] = [];
  const sockets = new Set<net.Socket>();
  let taken = 0;
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.write(encodeMessage({ type: 'hello', xid: 1, version: 4, versions: [4] }));
    let acc = Buffer.alloc(0);
    s.on('data', (d) => {
      acc = Buffer.concat([acc, d]);
      while (acc.length >= 8 && acc.length >= acc.readUInt16BE(2)) {
        const len = acc.readUInt16BE(2);
        const bytes = acc.subarray(0, len);
        acc = acc.subarray(len);
        try {
          const m = decodeMessage(Buffer.from(bytes));
          messages.push(m);
          const reply = answer(m);
          if (reply) s.write(encodeMessage(reply));
        } catch (e) {
          failures.push({ hex: bytes.toString('hex'), error: String(e) });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    messages,
    failures,
    take() {
      const out = messages.slice(taken).filter((m) => !['hello', 'barrier_request', 'echo_request'].includes(m.type));
      taken = messages.length;
      return out;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
