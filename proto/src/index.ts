/**
 * @gitfleet/proto — the wire contract between hub and agent (fleet.v1): generated protobuf-es
 * message types and schemas, the NATS names, the bundle digest rule, reading a message
 * (decode + contract check), the names and ranks of the status enums, condition types and
 * failure classes, and Kubernetes label selectors. No I/O.
 */
export * from './gen/fleet/v1/fleet_pb.js';
export * from './names.js';
export * from './digest.js';
export * from './signing.js';
export * from './decode.js';
export * from './health.js';
export * from './conditions.js';
export * from './label-selector.js';
export { create, toBinary, fromBinary, toJson, fromJson } from '@bufbuild/protobuf';
export type { DescMessage, MessageShape } from '@bufbuild/protobuf';
