import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createAgentLogger, credsSecrets, LogSecrets, REDACTED, redactUrl, urlSecrets } from './logging.js';

const SEED = 'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4';
const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJBQkNERUZHSElKS0xNTk9QIn0.c2lnbmF0dXJlLXBhcnQtaGVyZQ';
const CREDS = `-----BEGIN NATS USER JWT-----\n${JWT}\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\n\n-----BEGIN USER NKEY SEED-----\n${SEED}\n------END USER NKEY SEED------\n`;

describe('redactUrl', () => {
  const table: Array<[string, string]> = [
    ['nats://alice:s3cret@127.0.0.1:4222', 'nats://***:***@127.0.0.1:4222'],
    ['nats://mytoken@nats.example:4222', 'nats://***@nats.example:4222'],
    ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4222'],
    ['not a url user:pw@x', 'not a url user:pw@x'],
  ];
  for (const [url, want] of table) it(`${url} → ${want}`, () => assert.equal(redactUrl(url), want));
});

describe('secret sources', () => {
  it('reads the JWT and the seed of a creds file', () => assert.deepEqual(credsSecrets(CREDS), [JWT, SEED]));
  it('reads user, password and token of NATS URLs', () => {
    assert.deepEqual(urlSecrets('nats://alice:s%40cret@h:4222, nats://tok123456@h2:4222,nats://h3'), ['alice', 's@cret', 'tok123456']);
  });
});

describe('LogSecrets.scrub', () => {
  const secrets = new LogSecrets().add('hunter22', 'gfr_enrollment-token-value', 'ab', undefined);
  const table: Array<[string, string, string]> = [
    ['a known value', 'reason: password hunter22 refused', `reason: password ${REDACTED} refused`],
    ['a value too short to scrub by value', 'ab cd', 'ab cd'],
    ['URL user info', '{"servers":["nats://bob:pw@h:4222"]}', '{"servers":["nats://***@h:4222"]}'],
    ['a NATS seed anywhere', `seed ${SEED} leaked`, `seed ${REDACTED} leaked`],
    ['a JWT anywhere', `jwt=${JWT}`, `jwt=${REDACTED}`],
    ['a registration token', 'token gfr_abcdefghijkl', `token ${REDACTED}`],
    ['nothing secret', 'applied 3 objects', 'applied 3 objects'],
  ];
  for (const [name, line, want] of table) it(name, () => assert.equal(secrets.scrub(line), want));
});

describe('createAgentLogger', () => {
  it('leaves no secret in any line: named fields, nested errors, URLs and values added later', () => {
    const lines: string[] = [];
    const destination = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const secrets = new LogSecrets().add(...urlSecrets('nats://agentuser:agent-pass-123@127.0.0.1:4222'), 'gfr_the-enrollment-token');
    const { log, secrets: s } = createAgentLogger({ level: 'info', base: { cluster: 'c1' }, secrets, destination });
    log.info({ natsUrl: 'nats://agentuser:agent-pass-123@127.0.0.1:4222' }, 'starting');
    log.warn({ token: 'anything', enrollment: { token: 'x' }, headers: { authorization: 'Bearer abc' } }, 'named fields');
    log.error({ err: new Error('enroll failed: token gfr_the-enrollment-token expired') }, 'error with a secret in its message');
    s.add(...credsSecrets(CREDS));
    log.info({ creds: CREDS, reason: `bad creds ${JWT}` }, 'rotated');
    log.info({ reason: 'hub said: agent-pass-123 is wrong' }, 'plain value');
    const all = lines.join('');
    for (const secret of ['agentuser', 'agent-pass-123', 'gfr_the-enrollment-token', 'anything', 'Bearer abc', JWT, SEED]) {
      assert.ok(!all.includes(secret), `"${secret}" appears in the log:\n${all}`);
    }
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /nats:\/\/\*\*\*@127\.0\.0\.1:4222/);
    for (const l of lines) JSON.parse(l);
  });
});
