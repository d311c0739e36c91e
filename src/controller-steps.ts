/**
 * A planned controller batch (ofproto/flow-mod-plan.ts) → the steps of one datapath
 * command (native/dp/controller_batch.h), packed so that the N-API call does not
 * walk an object per packet: consecutive packet-outs become one step — their frames
 * in one Buffer, a Uint32Array record each (the layout is constants.packetOutFields,
 * from C++'s NS_PACKET_OUT_FIELDS), and the distinct action lists they use once.
 *
 * Flows: a step's flows go down as one packed flow batch (ofproto/flow-batch.ts),
 * as installFlows / setFlowActions take them.
 */
import { constants, type NativeAction, type NativeFlow, type NativeStep } from './native.js';
import { encodeFlowBatch } from './ofproto/flow-batch.js';
import type { PlannedStep } from './ofproto/flow-mod-plan.js';

const FIELDS = constants.packetOutFields;
const STRIDE = FIELDS.length;
const IN_PORT = FIELDS.indexOf('inPort');
const OFFSET = FIELDS.indexOf('offset');
const LENGTH = FIELDS.indexOf('length');
const ACTIONS = FIELDS.indexOf('actions');

function flowsForStep(flows: NativeFlow[]): Buffer {
  return encodeFlowBatch(flows);
}

/** A cheap identity for a compiled action list, to send each distinct list once. */
function actionsKey(list: readonly NativeAction[]): string {
  let k = '';
  for (const a of list) {
    k += `${a.code},${a.port ?? 0},${a.u32 ?? 0},${a.u64 === undefined ? '' : a.u64.toString()},${a.u64b === undefined ? '' : a.u64b.toString()}`;
    k += a.bytes ? `,${a.bytes.toString('hex')};` : ';';
  }
  return k;
}

type PlannedPacketOut = Extract<PlannedStep, { kind: 'packetOut' }>;

function packPacketOuts(outs: readonly PlannedPacketOut[]): NativeStep {
  const records = new Uint32Array(outs.length * STRIDE);
  const lists: NativeAction[][] = [];
  const listIndex = new Map<string, number>();
  const byObject = new Map<NativeAction[], number>(); // the same compiled list object: no key to build
  let bytes = 0;
  for (const o of outs) bytes += o.frame.length;
  const frames = Buffer.allocUnsafe(bytes);
  let at = 0;
  outs.forEach((o, i) => {
    let index = byObject.get(o.actions);
    if (index === undefined) {
      const key = actionsKey(o.actions);
      index = listIndex.get(key);
      if (index === undefined) {
        index = lists.length;
        lists.push(o.actions);
        listIndex.set(key, index);
      }
      byObject.set(o.actions, index);
    }
    o.frame.copy(frames, at);
    const r = i * STRIDE;
    records[r + IN_PORT] = o.inPort;
    records[r + OFFSET] = at;
    records[r + LENGTH] = o.frame.length;
    records[r + ACTIONS] = index;
    at += o.frame.length;
  });
  return { kind: 'packetOuts', frames, records, actionLists: lists };
}

export function encodeSteps(planned: readonly PlannedStep[]): NativeStep[] {
  const steps: NativeStep[] = [];
  let outs: PlannedPacketOut[] = [];
  const flushOuts = (): void => {
    if (outs.length) steps.push(packPacketOuts(outs));
    outs = [];
  };
  for (const s of planned) {
    if (s.kind === 'packetOut') {
      outs.push(s);
      continue;
    }
    flushOuts();
    steps.push(s.kind === 'remove' ? s : { kind: s.kind, flows: flowsForStep(s.flows) });
  }
  flushOuts();
  return steps;
}
