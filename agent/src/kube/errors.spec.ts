import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyKubeError, errorMessage, statusMessage } from './errors.js';

class FakeApiException extends Error {
  constructor(public code: number, public body: unknown, message = `HTTP-Code: ${code}`) {
    super(message);
  }
}
const status = (message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message });

describe('classifyKubeError', () => {
  const cases: Array<{ name: string; err: unknown; errorClass: string; message: RegExp }> = [
    {
      name: '422 Invalid is failed with the Status message',
      err: new FakeApiException(422, status('ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad"')),
      errorClass: 'failed', message: /^ConfigMap "Bad" is invalid: metadata.name/,
    },
    { name: '403 Forbidden is failed', err: new FakeApiException(403, status('forbidden')), errorClass: 'failed', message: /^forbidden$/ },
    { name: '500 is transient', err: new FakeApiException(500, status('etcd leader changed')), errorClass: 'transient', message: /etcd/ },
    { name: '503 without body is transient', err: new FakeApiException(503, ''), errorClass: 'transient', message: /^HTTP 503$/ },
    { name: '429 is transient', err: new FakeApiException(429, status('too many requests')), errorClass: 'transient', message: /too many/ },
    { name: '409 Conflict is transient', err: new FakeApiException(409, status('conflict')), errorClass: 'transient', message: /conflict/ },
    {
      name: 'connection refused is transient',
      err: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }) }),
      errorClass: 'transient', message: /fetch failed: connect ECONNREFUSED/,
    },
    { name: 'unknown kind is waiting', err: new Error('Unrecognized API version and kind: example.com/v1 Widget'), errorClass: 'waiting', message: /Unrecognized/ },
    {
      name: 'unknown group version is waiting',
      err: new FakeApiException(404, status('the server could not find the requested resource'), 'Failed to fetch resource metadata for example.com/v1/Widget: HTTP-Code: 404'),
      errorClass: 'waiting', message: /not served/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = classifyKubeError(c.err);
      assert.equal(got.errorClass, c.errorClass);
      assert.match(got.message, c.message);
    });
  }
});

describe('statusMessage', () => {
  it('reads a JSON string body', () => assert.equal(statusMessage(status('boom')), 'boom'));
  it('reads an object body', () => assert.equal(statusMessage({ message: 'boom' }), 'boom'));
  it('returns plain text as is', () => assert.equal(statusMessage('plain failure\n'), 'plain failure'));
  it('returns undefined for nothing', () => assert.equal(statusMessage(''), undefined));
});

describe('errorMessage', () => {
  it('joins causes', () => assert.equal(errorMessage(new Error('a', { cause: new Error('b') })), 'a: b'));
  it('handles non-errors', () => assert.equal(errorMessage('x'), 'x'));
});
