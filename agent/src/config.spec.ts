import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config.js';

describe('parseConfig', () => {
  it('applies defaults', () => {
    const c = parseConfig({ cluster: 'spoke1' });
    assert.deepEqual(c, {
      cluster: 'spoke1', natsUrl: 'nats://127.0.0.1:4222', kubeconfig: undefined, namespace: 'gitfleet-system',
      resyncIntervalMs: 300_000, heartbeatIntervalMs: 10_000, healthPort: undefined, logLevel: 'info', concurrency: 4, applyConcurrency: 8,
      ignoreManagers: ['kube-controller-manager', 'horizontal-pod-autoscaler'], bundlePublicKeys: [],
      enrollmentUrl: undefined, enrollmentToken: undefined, clusterLabels: {}, natsCredsFile: undefined, credentialsSecret: 'gitfleet-agent-nats',
      stateCache: { kind: 'secret' }, allowSelfManagement: false, selfName: 'gitfleet-agent', serviceAccount: 'gitfleet-agent',
      hold: undefined, holdConfigMap: 'gitfleet-hold', holdPollIntervalMs: 10_000,
    });
  });
  it('reads the state cache, self-protection and self names', () => {
    assert.deepEqual(parseConfig({ cluster: 'c', stateCache: 'none' }).stateCache, { kind: 'none' });
    assert.deepEqual(parseConfig({ cluster: 'c', stateCache: '/var/lib/gitfleet' }).stateCache, { kind: 'dir', dir: '/var/lib/gitfleet' });
    assert.equal(parseConfig({ cluster: 'c', allowSelfManagement: true }).allowSelfManagement, true);
    assert.equal(parseConfig({ cluster: 'c', allowSelfManagement: 'true' }).allowSelfManagement, true);
    assert.equal(parseConfig({ cluster: 'c', allowSelfManagement: 'false' }).allowSelfManagement, false);
    assert.throws(() => parseConfig({ cluster: 'c', allowSelfManagement: 'yes' }), /--allow-self-management must be true or false, got "yes"/);
    const c = parseConfig({ cluster: 'c', selfName: 'fleet-agent' });
    assert.deepEqual([c.selfName, c.serviceAccount], ['fleet-agent', 'fleet-agent']);
    assert.equal(parseConfig({ cluster: 'c', selfName: 'a', serviceAccount: 'sa' }).serviceAccount, 'sa');
    assert.throws(() => parseConfig({ cluster: 'c', selfName: 'Bad_Name' }), /--self-name "Bad_Name" must be a DNS-1123 subdomain/);
  });
  it('reads the bundle public key files: --bundle-public-keys plus GITFLEET_BUNDLE_PUBLIC_KEY_FILE, deduplicated', () => {
    assert.deepEqual(parseConfig({ cluster: 'c', bundlePublicKeys: '/a.pub, /b.pub,,' }).bundlePublicKeys, ['/a.pub', '/b.pub']);
    assert.deepEqual(parseConfig({ cluster: 'c', bundlePublicKeyFile: '/etc/gitfleet/hub/bundle-signing.pub' }).bundlePublicKeys, ['/etc/gitfleet/hub/bundle-signing.pub']);
    assert.deepEqual(parseConfig({ cluster: 'c', bundlePublicKeys: '/a.pub', bundlePublicKeyFile: '/a.pub' }).bundlePublicKeys, ['/a.pub']);
    assert.deepEqual(parseConfig({ cluster: 'c', bundlePublicKeys: '/b.pub', bundlePublicKeyFile: '/a.pub' }).bundlePublicKeys, ['/b.pub', '/a.pub']);
  });
  it('reads the spoke-side hold settings (--hold, --hold-configmap, --hold-poll-interval)', () => {
    const c = parseConfig({ cluster: 'c', hold: '  change freeze  ', holdConfigMap: 'my-hold', holdPollInterval: '0.5' });
    assert.deepEqual([c.hold, c.holdConfigMap, c.holdPollIntervalMs], ['change freeze', 'my-hold', 500]);
    assert.equal(parseConfig({ cluster: 'c', hold: '   ' }).hold, undefined);
    assert.equal(parseConfig({ cluster: 'c', holdConfigMap: 'none' }).holdConfigMap, undefined);
    assert.equal(parseConfig({ cluster: 'c', holdConfigMap: '' }).holdConfigMap, 'gitfleet-hold');
  });
  it('reads --ignore-managers as a list (empty: none)', () => {
    assert.deepEqual(parseConfig({ cluster: 'c', ignoreManagers: 'a, b,,' }).ignoreManagers, ['a', 'b']);
    assert.deepEqual(parseConfig({ cluster: 'c', ignoreManagers: '' }).ignoreManagers, []);
  });
  it('reads every option', () => {
    const c = parseConfig({ cluster: 'c', natsUrl: 'nats://x:1', kubeconfig: '/k', namespace: 'ns', resyncInterval: '5', heartbeatInterval: '0.5', healthPort: '8080', logLevel: 'debug' });
    assert.equal(c.resyncIntervalMs, 5000);
    assert.equal(c.heartbeatIntervalMs, 500);
    assert.equal(c.healthPort, 8080);
    assert.equal(c.kubeconfig, '/k');
  });
  it('reads the enrollment options', () => {
    const c = parseConfig({ cluster: 'c', enrollmentUrl: 'https://hub:8080', enrollmentToken: ' gfr_x\n', clusterLabels: 'env=prod, example.com/tier=edge,empty=', natsCredsFile: '/c.creds', credentialsSecret: 'creds' });
    assert.equal(c.enrollmentUrl, 'https://hub:8080');
    assert.equal(c.enrollmentToken, 'gfr_x');
    assert.deepEqual(c.clusterLabels, { env: 'prod', 'example.com/tier': 'edge', empty: '' });
    assert.equal(c.natsCredsFile, '/c.creds');
    assert.equal(c.credentialsSecret, 'creds');
  });
  const bad: Array<[string, Parameters<typeof parseConfig>[0], RegExp]> = [
    ['no cluster', {}, /--cluster .* is required/],
    ['a cluster that is no DNS label', { cluster: 'Spoke_1' }, /DNS-1123/],
    ['a zero resync interval', { cluster: 'c', resyncInterval: '0' }, /--resync-interval/],
    ['a non-numeric heartbeat', { cluster: 'c', heartbeatInterval: 'x' }, /--heartbeat-interval/],
    ['an unknown log level', { cluster: 'c', logLevel: 'loud' }, /--log-level/],
    ['an enrollment URL that is no URL', { cluster: 'c', enrollmentUrl: 'hub:8080/x y' }, /--enrollment-url/],
    ['an enrollment URL that is not http(s)', { cluster: 'c', enrollmentUrl: 'nats://hub:4222' }, /must be an http\(s\) URL/],
    ['a label without =', { cluster: 'c', clusterLabels: 'env' }, /entry "env" must be key=value/],
    ['a bad label key', { cluster: 'c', clusterLabels: '-env=x' }, /label key/],
    ['a bad label value', { cluster: 'c', clusterLabels: 'env=a b' }, /label value/],
    ['a bad Secret name', { cluster: 'c', credentialsSecret: 'Creds' }, /--credentials-secret/],
  ];
  for (const [name, raw, message] of bad) it(`refuses ${name}`, () => assert.throws(() => parseConfig(raw), message));

  // one bad setting → the whole message is one line naming the flag, the rule and the value
  const exact: Array<[string, Parameters<typeof parseConfig>[0], string]> = [
    ['a concurrency of 0', { cluster: 'c', concurrency: '0' }, '--concurrency must be a number from 1 to 64, got "0"'],
    ['an apply concurrency that is no number', { cluster: 'c', applyConcurrency: 'many' }, '--apply-concurrency must be a number from 1 to 64, got "many"'],
    ['an empty resync interval', { cluster: 'c', resyncInterval: '' }, '--resync-interval must be a number from 0.1 to 86400, got ""'],
    ['an infinite heartbeat', { cluster: 'c', heartbeatInterval: 'Infinity' }, '--heartbeat-interval must be a number from 0.1 to 3600, got "Infinity"'],
    ['a health port above 65535', { cluster: 'c', healthPort: '70000' }, '--health-port must be a number from 0 to 65535, got "70000"'],
    ['an unknown log level', { cluster: 'c', logLevel: 'loud' }, '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['a namespace that is no DNS label', { cluster: 'c', namespace: 'Gitfleet' }, '--namespace "Gitfleet" must be a DNS-1123 label'],
    ['a bad ServiceAccount name', { cluster: 'c', serviceAccount: 'SA' }, '--service-account "SA" must be a DNS-1123 subdomain'],
    ['an enrollment URL that is no URL', { cluster: 'c', enrollmentUrl: 'hub' }, '--enrollment-url "hub" is not a URL'],
    ['a bad label value', { cluster: 'c', clusterLabels: 'env=a b' }, '--cluster-labels value "a b" of "env" is not a valid label value'],
    ['a hold ConfigMap name that is no name', { cluster: 'c', holdConfigMap: 'Hold_Me' }, '--hold-configmap "Hold_Me" must be a ConfigMap name (DNS-1123 subdomain) or none'],
    ['a hold poll interval of 0', { cluster: 'c', holdPollInterval: '0' }, '--hold-poll-interval must be a number from 0.1 to 3600, got "0"'],
    ['a hold reason longer than 1024 characters', { cluster: 'c', hold: 'x'.repeat(1025) }, '--hold must be at most 1024 characters'],
  ];
  for (const [name, raw, message] of exact) {
    it(`names the flag for ${name}`, () => assert.throws(() => parseConfig(raw), (err: Error) => err.message === message));
  }
  it('lists every bad setting, one a line', () => {
    assert.throws(
      () => parseConfig({ cluster: 'c', concurrency: '0', logLevel: 'loud', credentialsSecret: 'Creds' }),
      (err: Error) => {
        assert.deepEqual(err.message.split('\n').map((l) => l.split(' ')[0]), ['--log-level', '--concurrency', '--credentials-secret']);
        return true;
      },
    );
  });
});
