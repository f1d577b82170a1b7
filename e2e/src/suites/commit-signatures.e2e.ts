// Issue #4, test 5: commit signature policy. A source that trusts one OpenPGP key deploys a
// commit signed with it (git commit -S with the real gpg); an unsigned commit is held — the
// spoke keeps the signed content — and reported through the API; the next signed commit deploys.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGpgKey, eventually, type GpgKey } from '@gitfleet/testing';
import { Fleet } from '../support/index.js';

const SOURCE = 'commit-signatures';
const BUNDLE = `${SOURCE}-app`;
const NS = 'e2e-commit-sig';

/** What GET /api/v1/sources/:name says about the head commit's signature. */
interface CommitSignatureView {
  revision: string;
  verified: boolean;
  reason: string | null;
  keyFingerprint: string | null;
  signer: string | null;
}
interface SourceView {
  lastRevision: string | null;
  commitSignatures: { trustedKeys: Array<{ fingerprint: string; userIds: string[] }> } | null;
  commitSignature: CommitSignatureView | null;
}

const configMap = (color: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  color: ${color}\n`;

describe('commit signatures: only commits signed by a trusted OpenPGP key deploy', () => {
  let fleet: Fleet;
  let key: GpgKey;
  const color = async () => ((await fleet.kubectl('spoke1').get('configmap', 'app', NS))?.['data'] as Record<string, string> | undefined)?.['color'];
  const source = () => fleet.api.get<SourceView>(`/api/v1/sources/${SOURCE}`);

  before(async () => {
    key = await createGpgKey('Release Signer <release@gitfleet.invalid>');
    fleet = await Fleet.start({ name: 'commit-signatures', clusters: { spoke1: { env: 'dev' } }, namespaces: [NS] });
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
  });
  after(async () => {
    await fleet?.stop();
    await key?.dispose();
  });

  it('a commit signed by the trusted key is applied on the spoke', async () => {
    fleet.repo.write('app/cm.yaml', configMap('blue'));
    const signed = await fleet.repo.commitAndPushSigned('blue, signed', key);
    await fleet.api.post('/api/v1/sources', { name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600, commitSignatures: { trustedKeys: [key.publicKeyArmored] } });
    await fleet.waitForRevision(BUNDLE, signed, ['spoke1']);
    assert.equal(await color(), 'blue');
    const s = await source();
    assert.deepEqual(s.commitSignatures?.trustedKeys.map((k) => k.fingerprint), [key.fingerprint]);
    assert.equal(s.commitSignature?.revision, signed);
    assert.equal(s.commitSignature?.verified, true);
    assert.equal(s.commitSignature?.keyFingerprint, key.fingerprint);
  });

  it('an unsigned commit is held: the spoke keeps the signed content and the API reports why', async () => {
    const signed = (await fleet.api.target('spoke1', BUNDLE)).desired.revision;
    fleet.repo.write('app/cm.yaml', configMap('red'));
    const unsigned = await fleet.repo.commitAndPush('red, unsigned');
    await fleet.api.pushWebhook(SOURCE, unsigned);
    const s = await eventually('the hub reports the unsigned head', async () => {
      const v = await source();
      assert.equal(v.commitSignature?.revision, unsigned);
      return v;
    }, 20_000);
    assert.equal(s.commitSignature?.verified, false);
    assert.equal(s.commitSignature?.reason, `commit ${unsigned.slice(0, 7)} is not signed`);
    assert.equal(s.lastRevision, unsigned, 'fetched, but not deployed');
    // give an (erroneous) publish time to reach the agent, then check nothing moved
    await new Promise((r) => setTimeout(r, 3000));
    const t = await fleet.api.target('spoke1', BUNDLE);
    assert.equal(t.desired.revision, signed, 'desired state still at the signed commit');
    assert.equal(t.applied?.revision, signed);
    assert.equal(await color(), 'blue', 'kubectl shows the signed content');
  });

  it('the next signed commit deploys and clears the report', async () => {
    fleet.repo.write('app/cm.yaml', configMap('green'));
    const signed = await fleet.repo.commitAndPushSigned('green, signed', key);
    await fleet.api.pushWebhook(SOURCE, signed);
    await fleet.waitForRevision(BUNDLE, signed, ['spoke1']);
    assert.equal(await color(), 'green');
    const s = await source();
    assert.equal(s.commitSignature?.revision, signed);
    assert.equal(s.commitSignature?.verified, true);
    assert.equal(s.commitSignature?.reason, null);
  });
});
