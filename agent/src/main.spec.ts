import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from './main.js';

describe('cli: flags reach the config', () => {
  const base = ['node', 'gitfleet-agent', '--cluster', 'c1', '--nats-url', 'nats://127.0.0.1:4222'];
  it('--hold-configmap names the hold ConfigMap (commander calls its attribute holdConfigmap)', () => {
    assert.equal(cli([...base, '--hold-configmap', 'change-freeze']).holdConfigMap, 'change-freeze');
  });
  it('--hold-configmap none reads no ConfigMap; the default is gitfleet-hold', () => {
    assert.equal(cli([...base, '--hold-configmap', 'none']).holdConfigMap, undefined);
    assert.equal(cli(base).holdConfigMap, 'gitfleet-hold');
  });
  it('--hold and --hold-poll-interval', () => {
    const c = cli([...base, '--hold', 'quarter-end', '--hold-poll-interval', '0.5']);
    assert.deepEqual([c.hold, c.holdPollIntervalMs], ['quarter-end', 500]);
  });
});
