import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BundleManifestSchema, bundleDigest, CONTRACT_VERSION, create, toBinary } from '@gitfleet/proto';
import { TerminalError } from '../errors.js';
import { verifyBundle } from './bundle-fetcher.js';

const bytesOf = (contractVersion: string) =>
  toBinary(BundleManifestSchema, create(BundleManifestSchema, { contractVersion, bundleId: 'b', objects: [{ file: 'a.yaml', json: '{}' }] }));

describe('verifyBundle', () => {
  it('accepts matching bytes', () => {
    const bytes = bytesOf(CONTRACT_VERSION);
    assert.equal(verifyBundle(bundleDigest(bytes), bytes).bundleId, 'b');
  });
  it('refuses a digest mismatch', () => {
    const bytes = bytesOf(CONTRACT_VERSION);
    const want = bundleDigest(new Uint8Array([1]));
    assert.throws(() => verifyBundle(want, bytes), (err: Error) =>
      err instanceof TerminalError && err.message === `digest mismatch: want ${want} got ${bundleDigest(bytes)}`);
  });
  it('refuses undecodable bytes', () => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff]);
    assert.throws(() => verifyBundle(bundleDigest(bytes), bytes), /cannot decode/);
  });
  it('refuses another contract major', () => {
    const bytes = bytesOf('2.0.0');
    assert.throws(() => verifyBundle(bundleDigest(bytes), bytes), /incompatible contract_version "2.0.0"/);
  });
});
