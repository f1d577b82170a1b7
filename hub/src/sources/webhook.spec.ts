import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { decideWebhook, verifyWebhookSecret } from './webhook.js';

describe('decideWebhook', () => {
  it('fetches on a GitHub push to the followed branch', () => {
    assert.deepEqual(decideWebhook('main', { 'x-github-event': 'push' }, { ref: 'refs/heads/main' }), { fetch: true });
  });

  it('ignores a GitHub push to another branch', () => {
    assert.equal(decideWebhook('main', { 'x-github-event': 'push' }, { ref: 'refs/heads/dev' }).fetch, false);
  });

  it('ignores a GitLab Push Hook to another branch', () => {
    assert.equal(decideWebhook('main', { 'x-gitlab-event': 'Push Hook' }, { ref: 'refs/heads/feature' }).fetch, false);
  });

  it('fetches on any other body', () => {
    assert.deepEqual(decideWebhook('main', {}, undefined), { fetch: true });
    assert.deepEqual(decideWebhook('main', { 'x-github-event': 'ping' }, { zen: 'hi' }), { fetch: true });
  });
});

describe('verifyWebhookSecret', () => {
  const secret = 'a-webhook-secret-of-16+';
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const sig = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  it('accepts a GitHub signature of the raw body and a GitLab token', () => {
    assert.ok(verifyWebhookSecret(secret, { 'x-hub-signature-256': sig }, body));
    assert.ok(verifyWebhookSecret(secret, { 'x-gitlab-token': secret }, undefined));
  });
  it('refuses wrong, truncated or missing proofs', () => {
    assert.ok(!verifyWebhookSecret(secret, { 'x-hub-signature-256': sig }, Buffer.from('{}')));
    assert.ok(!verifyWebhookSecret(secret, { 'x-hub-signature-256': sig.slice(0, 20) }, body));
    assert.ok(!verifyWebhookSecret(secret, { 'x-gitlab-token': 'nope' }, body));
    assert.ok(!verifyWebhookSecret(secret, {}, body));
  });
});
