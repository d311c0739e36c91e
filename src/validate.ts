import { NodeswitchError } from './errors.js';

// Linux netdev names: 1–15 bytes, no '/', no whitespace, not "." or "..".
const NETDEV_NAME = /^[^\s/:]{1,15}$/;

export function checkNetdevName(name: unknown, argument: string): string {
  if (typeof name !== 'string' || !NETDEV_NAME.test(name) || name === '.' || name === '..') {
    throw new NodeswitchError(
      `${argument} "${String(name)}" is not a valid interface name (1–15 characters, no spaces, '/' or ':')`,
      argument,
    );
  }
  return name;
}

export function checkInteger(value: unknown, argument: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new NodeswitchError(`${argument} must be an integer from ${min} to ${max}, got "${String(value)}"`, argument);
  }
  return n;
}
