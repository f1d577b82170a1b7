import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CONTRACT_VERSION, create, type DesiredState, DesiredStateSchema, signingKeyId, signingPayload } from '@gitfleet/proto';
import { TerminalError } from '../errors.js';
import { loadTrustedKeys, parseTrustedKeys, signatureRefusal, type TrustedKeys, verifyDesiredSignature } from './signature.js';

const pair = () => generateKeyPairSync('ed25519');
const hub = pair();
const next = pair(); // the rotated-to key
const stranger = pair();
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const idOf = (k: KeyObject) => signingKeyId(k);

const unsigned = (): DesiredState => create(DesiredStateSchema, {
  contractVersion: CONTRACT_VERSION, cluster: 'spoke1', bundleId: 'demo', revision: 'abc123', generation: 3n,
  digest: `sha256-${'a'.repeat(64)}`, targetNamespace: 'demo',
});
function signed(key: { privateKey: KeyObject; publicKey: KeyObject }): DesiredState {
  const d = unsigned();
  d.signature = sign(null, signingPayload(d), key.privateKey);
  d.signingKeyId = idOf(key.publicKey);
  return d;
}
const trust = (...keys: KeyObject[]): TrustedKeys => new Map(keys.map((k) => [idOf(k), k]));

describe('signatureRefusal', () => {
  const one = trust(hub.publicKey);
  const both = trust(hub.publicKey, next.publicKey);
  const tamper = (d: DesiredState, f: (d: DesiredState) => void): DesiredState => { f(d); return d; };
  const cases: Array<{ name: string; desired: DesiredState; trusted: TrustedKeys | undefined; refusal: RegExp | undefined }> = [
    { name: 'signed with the trusted key', desired: signed(hub), trusted: one, refusal: undefined },
    { name: 'signed with the new key while both are trusted (rotation)', desired: signed(next), trusted: both, refusal: undefined },
    { name: 'signed with the old key while both are trusted (rotation)', desired: signed(hub), trusted: both, refusal: undefined },
    { name: 'unsigned without trusted keys (not checked)', desired: unsigned(), trusted: undefined, refusal: undefined },
    { name: 'signed by a stranger without trusted keys (not checked)', desired: signed(stranger), trusted: undefined, refusal: undefined },
    { name: 'unsigned', desired: unsigned(), trusted: one, refusal: /^desired state not signed$/ },
    { name: 'signed with another key', desired: signed(stranger), trusted: one, refusal: new RegExp(`^signed by unknown key ${idOf(stranger.publicKey)} \\(trusted: ${idOf(hub.publicKey)}\\)$`) },
    { name: 'signed with another key (two trusted)', desired: signed(stranger), trusted: both, refusal: new RegExp(`\\(trusted: ${idOf(hub.publicKey)}, ${idOf(next.publicKey)}\\)$`) },
    { name: 'a signature without a key id', desired: tamper(signed(hub), (d) => { d.signingKeyId = ''; }), trusted: one, refusal: /^signed by unknown key \(none\)/ },
    { name: 'a key id without a signature', desired: tamper(signed(hub), (d) => { d.signature = new Uint8Array(); }), trusted: one, refusal: new RegExp(`^signature does not verify for key ${idOf(hub.publicKey)}$`) },
    { name: 'a stranger\'s signature under the trusted key id', desired: tamper(signed(stranger), (d) => { d.signingKeyId = idOf(hub.publicKey); }), trusted: one, refusal: /^signature does not verify for key/ },
    { name: 'a flipped signature byte', desired: tamper(signed(hub), (d) => { d.signature[0] = d.signature[0]! ^ 1; }), trusted: one, refusal: /^signature does not verify for key/ },
    { name: 'a truncated signature', desired: tamper(signed(hub), (d) => { d.signature = d.signature.slice(0, 10); }), trusted: one, refusal: /^signature does not verify for key/ },
    { name: 'a changed digest after signing', desired: tamper(signed(hub), (d) => { d.digest = `sha256-${'b'.repeat(64)}`; }), trusted: one, refusal: /^signature does not verify for key/ },
    { name: 'a changed generation after signing', desired: tamper(signed(hub), (d) => { d.generation = 4n; }), trusted: one, refusal: /^signature does not verify for key/ },
    { name: 'a changed target namespace after signing', desired: tamper(signed(hub), (d) => { d.targetNamespace = 'kube-system'; }), trusted: one, refusal: /^signature does not verify for key/ },
    { name: 'a changed sync request after signing', desired: tamper(signed(hub), (d) => { d.syncRequest = 9n; }), trusted: one, refusal: /^signature does not verify for key/ },
  ];
  for (const c of cases) {
    it(`${c.refusal ? 'refuses' : 'accepts'} ${c.name}`, () => {
      const got = signatureRefusal(c.desired, c.trusted);
      if (c.refusal === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '(accepted)', c.refusal);
    });
  }
  it('verifyDesiredSignature throws a TerminalError naming the target', () => {
    assert.throws(() => verifyDesiredSignature(unsigned(), one), (err: Error) => err instanceof TerminalError && err.message === 'desired state spoke1.demo: desired state not signed');
    assert.doesNotThrow(() => verifyDesiredSignature(signed(hub), one));
  });
});

describe('parseTrustedKeys / loadTrustedKeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitfleet-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads one key per file and several PEM blocks in one file, by key id', () => {
    const keys = parseTrustedKeys([{ file: 'a.pub', content: pem(hub.publicKey) }, { file: 'b.pub', content: `${pem(next.publicKey)}\n${pem(stranger.publicKey)}` }]);
    assert.deepEqual([...keys.keys()], [idOf(hub.publicKey), idOf(next.publicKey), idOf(stranger.publicKey)]);
  });
  it('reads a DER SPKI key', () => {
    const keys = parseTrustedKeys([{ file: 'a.der', content: hub.publicKey.export({ type: 'spki', format: 'der' }) }]);
    assert.deepEqual([...keys.keys()], [idOf(hub.publicKey)]);
  });
  const bad: Array<[string, string | Buffer, RegExp]> = [
    ['an empty file', '', /empty\.pub: the file is empty/],
    ['a private key', hub.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /"PRIVATE KEY" PEM block is not a public key/],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), /ed25519, got rsa/],
    ['garbage inside a PEM block', '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n', /bundle public key file/],
  ];
  for (const [name, content, message] of bad) {
    it(`refuses ${name}, naming the file`, () => {
      const file = name === 'an empty file' ? 'empty.pub' : 'k.pub';
      assert.throws(() => parseTrustedKeys([{ file, content }]), (err: Error) => message.test(err.message) && err.message.includes(file));
    });
  }
  it('loads files; none → undefined (not checked); a missing file is an error naming it', () => {
    const a = join(dir, 'a.pub');
    writeFileSync(a, pem(hub.publicKey));
    assert.equal(loadTrustedKeys([]), undefined);
    assert.deepEqual([...loadTrustedKeys([a])!.keys()], [idOf(hub.publicKey)]);
    assert.throws(() => loadTrustedKeys([join(dir, 'missing.pub')]), /bundle public key file .*missing\.pub: ENOENT/);
  });
});
