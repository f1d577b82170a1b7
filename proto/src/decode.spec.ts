import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { DesiredStateSchema, HeartbeatSchema } from './gen/fleet/v1/fleet_pb.js';
import { ContractError, decodeMessage } from './decode.js';
import { CONTRACT_VERSION } from './names.js';

const heartbeat = (contractVersion: string) => toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion, cluster: 'c1', targets: 3 }));

describe('decodeMessage', () => {
  it('decodes a message of a compatible contract version', () => {
    const h = decodeMessage(HeartbeatSchema, heartbeat(CONTRACT_VERSION), { subject: 'heartbeat on fleet.heartbeat.c1' });
    assert.deepEqual([h.cluster, h.targets, h.contractVersion], ['c1', 3, CONTRACT_VERSION]);
    assert.equal(decodeMessage(HeartbeatSchema, heartbeat('1.9.3'), { subject: 'x' }).contractVersion, '1.9.3');
  });

  const refused: Array<[string, Uint8Array, ContractError['reason'], string]> = [
    ['another major version', heartbeat('2.0.0'), 'incompatible-contract', 'hb c1: incompatible contract_version "2.0.0" (reads 1.x)'],
    ['an empty version', heartbeat(''), 'incompatible-contract', 'hb c1: incompatible contract_version "" (reads 1.x)'],
    ['a long version, cut to 40 characters', heartbeat('9'.repeat(100)), 'incompatible-contract', `hb c1: incompatible contract_version "${'9'.repeat(40)}" (reads 1.x)`],
    ['garbage', new Uint8Array([0xff, 0xff, 0xff]), 'undecodable', 'hb c1: cannot decode Heartbeat'],
  ];
  for (const [name, bytes, reason, message] of refused) {
    it(`refuses ${name} with a ContractError naming subject and reason`, () => {
      assert.throws(() => decodeMessage(HeartbeatSchema, bytes, { subject: 'hb c1' }), (err: unknown) =>
        err instanceof ContractError && err.reason === reason && err.subject === 'hb c1' && err.message === message && err.detail === message.slice('hb c1: '.length));
    });
  }

  it('keeps the decoder error as the cause of an undecodable message', () => {
    assert.throws(() => decodeMessage(DesiredStateSchema, new Uint8Array([0xff, 0xff]), { subject: 's' }), (err: unknown) => err instanceof ContractError && err.cause instanceof Error);
  });
});
