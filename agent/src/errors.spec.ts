import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractError, CONTRACT_VERSION, create, HeartbeatSchema, toBinary } from '@gitfleet/proto';
import { decodeOrRefuse, errorClassOf, TerminalError, TransientError, WaitingError } from './errors.js';

describe('errorClassOf', () => {
  const cases: Array<[string, unknown, string]> = [
    ['TerminalError', new TerminalError('x'), 'terminal'],
    ['TransientError', new TransientError('x'), 'transient'],
    ['WaitingError', new WaitingError('x'), 'waiting'],
    ['a message this release cannot read', new ContractError('bundle b', 'incompatible-contract', 'incompatible contract_version "2.0.0"'), 'terminal'],
    ['anything else', new Error('x'), 'transient'],
    ['a thrown string', 'x', 'transient'],
  ];
  for (const [name, err, want] of cases) it(`${name} → ${want}`, () => assert.equal(errorClassOf(err), want));
});

describe('decodeOrRefuse', () => {
  const hb = (contractVersion: string) => toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion, cluster: 'c1' }));
  it('decodes a readable message', () => assert.equal(decodeOrRefuse(HeartbeatSchema, hb(CONTRACT_VERSION), 'hb').cluster, 'c1'));
  it('refuses an unreadable one as terminal, the ContractError as cause', () => {
    assert.throws(() => decodeOrRefuse(HeartbeatSchema, hb('3.0.0'), 'hb'), (err: unknown) =>
      err instanceof TerminalError && err.message === 'hb: incompatible contract_version "3.0.0" (reads 1.x)' && err.cause instanceof ContractError && err.cause.reason === 'incompatible-contract');
    assert.throws(() => decodeOrRefuse(HeartbeatSchema, new Uint8Array([0xff, 0xff]), 'hb'), (err: unknown) =>
      err instanceof TerminalError && err.message === 'hb: cannot decode Heartbeat' && err.cause instanceof ContractError && err.cause.reason === 'undecodable');
  });
});
