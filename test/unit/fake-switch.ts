// A switch for the daemon's unit tests: bridges with ports and settings kept in
// memory, and real OpenFlow tables (ofproto's FlowTable and flow syntax, the flow-mod
// semantics the daemon relies on) over a datapath that only says yes.
import { EventEmitter } from 'node:events';
import type { TraceResult } from '../../src/bridge.js';
import type { BridgeApi, SwitchApi } from '../../src/daemon/switch-api.js';
import { NodeswitchError } from '../../src/errors.js';
import { PLAIN_VLAN, type PortVlanOptions, resolvePortVlan } from '../../src/vlan.js';
import { FlowTable } from '../../src/ofproto/flow-table.js';
import { parseFlow, parseFlowsFile } from '../../src/ofproto/flow-syntax.js';
import type { BridgeCreateOptions, BridgeOptions, PortInfo, PortOptions, PortStats } from '../../src/types.js';

/** Netdevs that "exist" for afpacket ports. */
export const netdevs = new Set(['vnet0', 'vnet1', 'vnet2', 'vnet3']);

const yesDatapath = {
  installFlows: async () => {},
  removeFlows: async () => {},
  setFlowActions: async () => {},
  flowStats: async () => [],
};

export class FakeBridge extends EventEmitter implements BridgeApi {
  opts: Required<BridgeOptions> = { macAging: 300, macTableSize: 8192, datapathPoll: 'adaptive' };
  readonly portMap = new Map<string, PortInfo>();
  readonly flows = new FlowTable(yesDatapath);
  delayMs = 0;
  constructor(
    readonly name: string,
    o: BridgeCreateOptions = {},
  ) {
    super();
    this.opts = { macAging: o.macAging ?? 300, macTableSize: o.macTableSize ?? 8192, datapathPoll: o.datapathPoll ?? 'adaptive' };
    if (this.opts.macAging > 1_000_000) throw new NodeswitchError('mac-aging must be an integer from 1 to 1000000', 'mac-aging');
    if (o.defaultFlows !== false) void this.flows.addInitial([parseFlow('priority=0,actions=NORMAL')]);
  }
  get options() {
    return { ...this.opts };
  }
  async configure(o: BridgeOptions) {
    if ((o.macAging ?? 0) > 1_000_000) throw new NodeswitchError('mac-aging must be an integer from 1 to 1000000', 'mac-aging');
    this.opts = {
      macAging: o.macAging ?? this.opts.macAging,
      macTableSize: o.macTableSize ?? this.opts.macTableSize,
      datapathPoll: o.datapathPoll ?? this.opts.datapathPoll,
    };
  }
  ports() {
    return [...this.portMap.values()];
  }
  async addPort(name: string, o: PortOptions) {
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (o.type === 'afpacket' && !netdevs.has(name)) throw new Error(`no network device named ${name}`);
    const info = { name, type: o.type!, ofport: o.ofport!, vlan: o.vlan ? resolvePortVlan(o.vlan) : PLAIN_VLAN };
    this.portMap.set(name, info);
    return info;
  }
  async setPortVlan(name: string, v: PortVlanOptions) {
    const info = this.portMap.get(name)!;
    info.vlan = resolvePortVlan(v);
    return info.vlan;
  }
  /** Ingress policing as set, by port (Bridge.setIngressPolicing). */
  readonly policing = new Map<string, { rate?: number; burst?: number }>();
  async setIngressPolicing(port: string, p: { rate?: number; burst?: number }) {
    if (!this.portMap.has(port)) throw new NodeswitchError(`bridge ${this.name} has no port ${port}`, 'port');
    this.policing.set(port, p);
  }
  async deletePort(name: string) {
    this.portMap.delete(name);
  }
  async fdb() {
    return [{ port: 'vnet0', ofport: 1, vlan: 0, mac: '02:00:00:00:00:01', age: 3 }];
  }
  async fdbFlush() {}
  async portStats(): Promise<PortStats[]> {
    return this.ports().map((p) => ({ ...p, up: true, ifindex: 1, rxPackets: 0, rxBytes: 0, rxDropped: 0, rxErrors: 0, txPackets: 0, txBytes: 0, txDropped: 0, txErrors: 0, linkDowns: 0, rxPoliced: 0 }));
  }
  private readonly resolvePort = (n: string) => this.portMap.get(n)?.ofport;
  async addFlow(text: string) {
    await this.flows.add([parseFlow(text, { context: 'add', resolvePort: this.resolvePort })]);
  }
  async addFlows(text: string) {
    const specs = parseFlowsFile(text, { context: 'add', resolvePort: this.resolvePort });
    await this.flows.add(specs);
    return specs.length;
  }
  async modFlows(text: string, o: { strict?: boolean }) {
    return this.flows.modify(parseFlow(text, { context: 'modify', resolvePort: this.resolvePort }), o.strict === true);
  }
  async delFlows(match: string, o: { strict?: boolean }) {
    return (await this.flows.delete(parseFlow(match, { context: 'delete', resolvePort: this.resolvePort }), o.strict === true)).length;
  }
  async dumpFlows(match: string) {
    return this.flows.dump(match.trim() ? parseFlow(match, { context: 'delete', verb: 'dump-flows', resolvePort: this.resolvePort }) : undefined);
  }
  async traceFrame(): Promise<TraceResult> {
    throw new Error('no datapath to trace in the fake');
  }
}

export class FakeSwitch implements SwitchApi {
  readonly map = new Map<string, FakeBridge>();
  addBridge(name: string, o?: BridgeCreateOptions) {
    if (this.map.has(name)) throw new NodeswitchError(`bridge ${name} already exists`, 'bridge');
    const b = new FakeBridge(name, o);
    this.map.set(name, b);
    return b;
  }
  async deleteBridge(name: string) {
    this.map.delete(name);
  }
  bridge(name: string) {
    return this.map.get(name);
  }
  async close() {}
}
