import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli } from './main.js';

/** cli() with a clean environment for the flags under test (env fallbacks would mask a flag). */
function withoutEnv<T>(names: string[], fn: () => T): T {
  const saved = names.map((n) => [n, process.env[n]] as const);
  for (const n of names) delete process.env[n];
  try {
    return fn();
  } finally {
    for (const [n, v] of saved) if (v !== undefined) process.env[n] = v;
  }
}

const HOLD_ENV = ['GITFLEET_HOLD', 'GITFLEET_HOLD_CONFIGMAP', 'GITFLEET_HOLD_POLL_INTERVAL', 'GITFLEET_CLUSTER'];

describe('cli: the spoke-side hold flags reach the config', () => {
  it('--hold, --hold-configmap and --hold-poll-interval', () => {
    const c = withoutEnv(HOLD_ENV, () => cli(['node', 'gitfleet-agent', '--cluster', 'c1', '--hold', 'freeze', '--hold-configmap', 'my-hold', '--hold-poll-interval', '0.5']));
    assert.deepEqual([c.hold, c.holdConfigMap, c.holdPollIntervalMs], ['freeze', 'my-hold', 500]);
  });
  it('defaults: no setting hold, ConfigMap gitfleet-hold read every 10 s', () => {
    const c = withoutEnv(HOLD_ENV, () => cli(['node', 'gitfleet-agent', '--cluster', 'c1']));
    assert.deepEqual([c.hold, c.holdConfigMap, c.holdPollIntervalMs], [undefined, 'gitfleet-hold', 10_000]);
  });
  it('the environment: GITFLEET_HOLD_CONFIGMAP=none reads no ConfigMap', () => {
    const c = withoutEnv(HOLD_ENV, () => {
      process.env.GITFLEET_HOLD_CONFIGMAP = 'none';
      try {
        return cli(['node', 'gitfleet-agent', '--cluster', 'c1']);
      } finally {
        delete process.env.GITFLEET_HOLD_CONFIGMAP;
      }
    });
    assert.equal(c.holdConfigMap, undefined);
  });
});
