/**
 * An error the user can act on: says which argument was wrong and why. The daemon
 * sends these to the CLI as they are; anything else is a bug and says so.
 */
export class NodeswitchError extends Error {
  constructor(
    message: string,
    /** The argument or setting that was wrong, e.g. "port", "ofport", "mac-aging". */
    readonly argument?: string,
  ) {
    super(message);
    this.name = 'NodeswitchError';
  }
}
