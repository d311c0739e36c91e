import { NodeswitchError } from '../errors.js';

/**
 * A flow string (ovs-ofctl syntax) that cannot be accepted. `token` is the piece of
 * the input at fault, as written ("tp_dst=80", "mod_tp_dst:80", "vnet0"), `reason`
 * says why in words a user can act on, `line` is the 1-based line in an add-flows
 * file when the flow came from one.
 */
export class FlowSyntaxError extends NodeswitchError {
  constructor(
    readonly token: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${line === undefined ? '' : `line ${line}: `}${token}: ${reason}`, token);
    this.name = 'FlowSyntaxError';
  }

  /** The same error, placed on a line of a flows file. */
  atLine(line: number): FlowSyntaxError {
    return new FlowSyntaxError(this.token, this.reason, line);
  }
}
