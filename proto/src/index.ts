/**
 * @gitfleet/proto — the wire contract between hub and agent (fleet.v1): generated protobuf-es
 * message types and schemas, the NATS names, and the bundle digest rule. No I/O.
 */
export * from './gen/fleet/v1/fleet_pb.js';
export * from './names.js';
export * from './digest.js';
export * from './signing.js';
export { create, toBinary, fromBinary, toJson, fromJson } from '@bufbuild/protobuf';
