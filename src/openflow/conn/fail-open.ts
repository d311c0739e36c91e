// fail-mode standalone, as Open vSwitch's fail-open (ofproto/fail-open.c): when a
// bridge has controllers and none of them has been connected for three inactivity
// probe intervals (one to notice the silence, one for the probe's answer, one to
// reconnect), the bridge becomes a learning switch — a hidden flow matching
// everything with actions=NORMAL above every other flow — until a controller
// connects again, when the flow goes and the controller's tables decide once more.
// fail-mode secure adds nothing: the tables stay as the controller left them.
//
// OVS's flow has priority 0xf0f0f0, above the 16 bits OpenFlow can give a flow; our
// datapath's flow batches carry 16 bits, so ours has 65535, the highest a flow-mod
// can give. It is hidden as OVS's is (FlowTable.addHidden): dump-flows does not show
// it, no flow-mod selects it, it is never saved. A controller's own priority-65535
// flows tie with it while the bridge fails open.
import type { FlowSpec } from '../../ofproto/flow.js';
import { parseFlow } from '../../ofproto/flow-syntax.js';

export const FAIL_OPEN_PRIORITY = 0xffff;

export interface HiddenFlows {
  addHidden(spec: FlowSpec): Promise<number>;
  removeHidden(id: number): Promise<void>;
}

export class FailOpen {
  private flowId: number | undefined;
  private wanted = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly flows: HiddenFlows,
    private readonly log: (line: string) => void,
  ) {}

  /** Whether the bridge is failing open now (the flow installed or being installed). */
  get active(): boolean {
    return this.wanted;
  }

  /** Installs or removes the flow; calls in a row settle to the last one. */
  set(on: boolean, why: string): Promise<void> {
    if (on === this.wanted) return this.chain;
    this.wanted = on;
    this.log(on ? `fail-open: ${why}: the bridge forwards as a learning switch (NORMAL) until a controller connects` : `fail-open ends: ${why}`);
    this.chain = this.chain
      .then(async () => {
        if (this.wanted && this.flowId === undefined) {
          this.flowId = await this.flows.addHidden(parseFlow(`priority=${FAIL_OPEN_PRIORITY},actions=NORMAL`));
        } else if (!this.wanted && this.flowId !== undefined) {
          const id = this.flowId;
          this.flowId = undefined;
          await this.flows.removeHidden(id);
        }
      })
      .catch((err) => this.log(`fail-open: cannot change the NORMAL flow: ${(err as Error).message}`));
    return this.chain;
  }
}
