import { Bridge } from './bridge.js';
import { NodeswitchError } from './errors.js';
import type { BridgeCreateOptions } from './types.js';
import { checkNetdevName, compareNames } from './validate.js';

/**
 * The embeddable switch: a set of bridges, each with its own datapath thread.
 *
 *   const sw = new Switch();
 *   const br = sw.addBridge('br0');
 *   await br.addPort('vnet0');
 */
export class Switch {
  private readonly bridgesByName = new Map<string, Bridge>();

  addBridge(name: string, opts: BridgeCreateOptions = {}): Bridge {
    checkNetdevName(name, 'bridge');
    if (this.bridgesByName.has(name)) throw new NodeswitchError(`bridge ${name} already exists`, 'bridge');
    const bridge = new Bridge(name, opts, (port) => this.portOwner(port));
    this.bridgesByName.set(name, bridge);
    return bridge;
  }

  async deleteBridge(name: string): Promise<void> {
    const bridge = this.requireBridge(name);
    this.bridgesByName.delete(name);
    await bridge.close();
  }

  bridge(name: string): Bridge | undefined {
    return this.bridgesByName.get(name);
  }

  requireBridge(name: string): Bridge {
    const bridge = this.bridgesByName.get(name);
    if (!bridge) throw new NodeswitchError(`no bridge named ${name}`, 'bridge');
    return bridge;
  }

  bridges(): Bridge[] {
    return [...this.bridgesByName.values()].sort((a, b) => compareNames(a.name, b.name));
  }

  /** The bridge a netdev is a port of, if any. */
  portOwner(port: string): string | undefined {
    for (const b of this.bridgesByName.values()) if (b.hasPort(port)) return b.name;
    return undefined;
  }

  async close(): Promise<void> {
    const all = [...this.bridgesByName.values()];
    this.bridgesByName.clear();
    await Promise.all(all.map((b) => b.close()));
  }
}
