import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterKeyFilter, diffSubject, desiredStateKey, isCompatibleContract, parseDesiredStateKey, statusSubject } from './names.js';
import { bundleDigest, canonicalJson, isBundleDigest } from './digest.js';

describe('names', () => {
  const valid: Array<[string, string, string]> = [
    ['spoke1', 'demo-manifests', 'spoke1.demo-manifests'],
    ['a', 'b', 'a.b'],
  ];
  for (const [cluster, bundle, key] of valid) {
    it(`builds and parses key ${key}`, () => {
      assert.equal(desiredStateKey(cluster, bundle), key);
      assert.deepEqual(parseDesiredStateKey(key), { cluster, bundleId: bundle });
    });
  }
  const invalid: Array<[string, string]> = [
    ['Spoke1', 'x'], ['spoke.1', 'x'], ['spoke1', 'a.b'], ['-a', 'x'], ['a', ''], ['a'.repeat(64), 'x'], ['a>', 'x'],
  ];
  for (const [cluster, bundle] of invalid) {
    it(`refuses cluster "${cluster}" bundle "${bundle}"`, () => {
      assert.throws(() => desiredStateKey(cluster, bundle), /invalid (cluster name|bundle id)/);
    });
  }
  it('refuses keys with the wrong number of parts', () => {
    assert.throws(() => parseDesiredStateKey('a.b.c'), /want <cluster>.<bundleId>/);
    assert.throws(() => parseDesiredStateKey('ab'), /want <cluster>.<bundleId>/);
  });
  it('builds subjects and filters', () => {
    assert.equal(statusSubject('spoke2'), 'fleet.status.spoke2');
    assert.equal(clusterKeyFilter('spoke2'), 'spoke2.>');
    assert.equal(diffSubject('spoke2'), 'fleet.agent.spoke2.diff');
    assert.throws(() => statusSubject('*'), /invalid cluster name/);
  });
  it('accepts the same contract major version only', () => {
    assert.equal(isCompatibleContract('1.7.3'), true);
    assert.equal(isCompatibleContract('2.0.0'), false);
    assert.equal(isCompatibleContract(''), false);
  });
});

describe('digest', () => {
  it('is sha256 of the bytes, prefixed', () => {
    const d = bundleDigest(new TextEncoder().encode('abc'));
    assert.equal(d, 'sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(isBundleDigest(d), true);
    assert.equal(isBundleDigest('sha256-xyz'), false);
  });
  it('canonical JSON sorts keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  });
});
