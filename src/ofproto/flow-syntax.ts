/**
 * The ovs-ofctl flow syntax layer: parse and print OpenFlow flows the way
 * `ovs-ofctl -O OpenFlow13` does. Pure TypeScript; the datapath consumes FlowSpec.
 *
 *   values.ts   tokens, numbers, MAC/IPv4/IPv6 addresses, ports (the representation)
 *   fields.ts   match fields: table, prerequisites, the Match type
 *   match-format.ts  printing a Match as dump-flows does
 *   actions.ts  actions and instructions: parsing, OpenFlow 1.3 checks, printing
 *   flow.ts     FlowSpec, parseFlow/parseMatch/parseFlowsFile, formatFlow
 *   errors.ts   FlowSyntaxError {token, reason, line?}
 */
export { FlowSyntaxError } from './errors.js';
export {
  DEFAULT_PRIORITY,
  type FlowContext,
  type FlowSpec,
  type FlowStats,
  formatFilter,
  formatFlow,
  formatMatch,
  type ParseOptions,
  parseFlow,
  flowLines,
  parseFlowsFile,
  parseFlowsFileAsync,
  parseFlowsEach,
  parseMatch,
  TABLE_ALL,
} from './flow.js';
export { type Masked, type Match, type MatchKey, ETH_TYPE, IP_PROTO } from './fields.js';
export { type Action, type Instructions, type SetFieldName, formatAction, formatActions } from './actions.js';
export { OFPP, OFPP_MAX_PHYSICAL, type PortResolver } from './values.js';
