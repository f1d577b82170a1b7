import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideWebhook } from './webhook.js';

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
