// Issue #9, test 12 ("bad input at every entry"): one commit per bad input, in one bundle of a
// source whose other bundle is healthy and deployed. Each time the bad bundle is Failed with
// file and reason in the hub API, keeps its last good desired state, and no object of either
// bundle changes on the cluster (uids and resourceVersions, read with kubectl).
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, type BundleView } from '../support/index.js';

const SPOKE = 'spoke2';
const SOURCE = 'entries';
const HEALTHY = `${SOURCE}-healthy`;
const VICTIM = `${SOURCE}-victim`;
const NS_HEALTHY = 'e2e-entries-healthy';
const NS_VICTIM = 'e2e-entries-victim';

const configMap = (name: string, extra = '') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${extra}data:
  value: "1"
`;

/** A YAML "billion laughs": nine levels of nine aliases. */
const yamlBomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((l, i) => `${l}: &${l} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n') + '\n';

/** One bad input: what to write into the victim bundle (on top of its good files), and the refusal expected. */
interface Case {
  name: string;
  apply(workdir: string): void;
  file: string;
  reason: RegExp;
}

const CASES: Case[] = [
  {
    name: 'a symlink escaping the checkout',
    apply: (w) => symlinkSync('/etc/passwd', path.join(w, 'victim/passwd.yaml')),
    file: 'victim/passwd.yaml',
    reason: /points outside the repository/,
  },
  {
    name: 'a kustomize base outside the checkout',
    apply: (w) => writeFileSync(path.join(w, 'victim/kustomization.yaml'), 'resources:\n- cm.yaml\n- ../../../../../../../../etc\n'),
    file: 'victim/kustomization.yaml',
    reason: /^resources\[1\]: .* leaves the repository$/,
  },
  {
    name: 'a kustomize remote base',
    apply: (w) => writeFileSync(path.join(w, 'victim/kustomization.yaml'), 'resources:\n- cm.yaml\n- github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n'),
    file: 'victim/kustomization.yaml',
    reason: /is a remote base; remote kustomize bases are off for this source/,
  },
  {
    name: 'a YAML bomb',
    apply: (w) => writeFileSync(path.join(w, 'victim/bomb.yaml'), yamlBomb),
    file: 'victim/bomb.yaml',
    reason: /Excessive alias count/,
  },
  {
    name: 'a 50 MB file',
    apply: (w) => writeFileSync(path.join(w, 'victim/huge.yaml'), `# ${'x'.repeat(50_000_000)}\n${configMap('huge')}`),
    file: 'victim/huge.yaml',
    reason: /^file is 47\.7 MiB, above the 10 MiB limit per file$/,
  },
  {
    name: 'a binary file named .yaml',
    apply: (w) => writeFileSync(path.join(w, 'victim/image.yaml'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d])),
    file: 'victim/image.yaml',
    reason: /^binary file: NUL byte at offset 8/,
  },
  {
    name: 'duplicate keys in a manifest',
    apply: (w) => writeFileSync(path.join(w, 'victim/dup.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n  a: "1"\n  a: "2"\n'),
    file: 'victim/dup.yaml',
    reason: /^line 7 col 3: Map keys must be unique/,
  },
  {
    name: 'duplicate keys in fleet.yaml',
    apply: (w) => writeFileSync(path.join(w, 'victim/fleet.yaml'), `namespace: ${NS_VICTIM}\nnamespace: other\n`),
    file: 'victim/fleet.yaml',
    reason: /^line 2 col 1: Map keys must be unique/,
  },
  {
    name: 'an object without kind',
    apply: (w) => writeFileSync(path.join(w, 'victim/nokind.yaml'), 'apiVersion: v1\nmetadata:\n  name: nokind\n'),
    file: 'victim/nokind.yaml',
    reason: /^document 1 \(line 1\): missing kind$/,
  },
  {
    name: 'an invalid name',
    apply: (w) => writeFileSync(path.join(w, 'victim/badname.yaml'), configMap('Bad_Name')),
    file: 'victim/badname.yaml',
    reason: /ConfigMap "Bad_Name": invalid metadata\.name: must be a lowercase RFC 1123 subdomain/,
  },
  {
    name: 'two objects with the same identity',
    apply: (w) => writeFileSync(path.join(w, 'victim/again.yaml'), configMap('victim-config')),
    file: 'victim/cm.yaml',
    reason: /ConfigMap victim-config \(v1\) is defined twice in the bundle \(also in victim\/again\.yaml/,
  },
];

/** uid and resourceVersion of every object the suite watches, by `<namespace>/<name>`. */
async function snapshot(fleet: Fleet): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [ns, name] of [[NS_HEALTHY, 'healthy-a'], [NS_HEALTHY, 'healthy-b'], [NS_VICTIM, 'victim-config']] as const) {
    const o = await fleet.kubectl(SPOKE).get('configmap', name, ns);
    assert.ok(o, `${ns}/${name} exists on ${SPOKE}`);
    out[`${ns}/${name}`] = `${(o.metadata as { uid?: string }).uid} rv=${o.metadata.resourceVersion}`;
  }
  return out;
}

describe('bad input at every entry: refused with file and reason, nothing deployed changes', () => {
  let fleet: Fleet;
  let good: string;
  let before_: Record<string, string>;

  /** Resets the victim bundle to its good files (the bad input of the previous case goes away). */
  const writeGoodVictim = () => {
    rmSync(path.join(fleet.repo.workdir, 'victim'), { recursive: true, force: true });
    mkdirSync(path.join(fleet.repo.workdir, 'victim'));
    fleet.repo.write('victim/fleet.yaml', `namespace: ${NS_VICTIM}\n`);
    fleet.repo.write('victim/cm.yaml', configMap('victim-config'));
  };

  before(async () => {
    fleet = await Fleet.start({ name: 'bad-input-entries', clusters: { [SPOKE]: { env: 'e2e' } }, namespaces: [NS_HEALTHY, NS_VICTIM] });
    fleet.repo.write('healthy/fleet.yaml', `namespace: ${NS_HEALTHY}\n`);
    fleet.repo.write('healthy/a.yaml', configMap('healthy-a'));
    fleet.repo.write('healthy/b.yaml', configMap('healthy-b'));
    writeGoodVictim();
    good = await fleet.repo.commitAndPush('a healthy bundle and the bundle that will get bad input');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(HEALTHY, good, [SPOKE]);
    await fleet.waitForRevision(VICTIM, good, [SPOKE]);
    before_ = await snapshot(fleet);
  });
  after(async () => fleet?.stop());

  for (const c of CASES) {
    it(c.name, async () => {
      writeGoodVictim();
      c.apply(fleet.repo.workdir);
      const revision = await fleet.repo.commitAndPush(`bad input: ${c.name}`);
      await fleet.api.pushWebhook(SOURCE, revision);

      // the hub read this commit: the victim is Failed at it, naming file and reason
      const victim = await eventually(`${VICTIM} Failed at ${revision.slice(0, 8)}`, async () => {
        const b = (await fleet.api.bundles()).find((x) => x.id === VICTIM);
        if (b?.revision !== revision || b.state !== 'Failed') throw new Error(`${VICTIM}: ${b?.state} at ${b?.revision?.slice(0, 8)} ${JSON.stringify(b?.errors)}`);
        return b;
      }, 120_000);
      assertRefusal(victim, c);

      // the healthy bundle went through the same commit untouched
      const healthy = (await fleet.api.bundles()).find((x) => x.id === HEALTHY);
      assert.equal(healthy?.state, 'Ready', JSON.stringify(healthy?.errors));
      assert.equal(healthy?.revision, revision);
      for (const t of await fleet.api.targets({ bundle: VICTIM })) {
        assert.equal(t.desired.revision, good, `${t.cluster} keeps the last good desired revision of ${VICTIM}`);
      }
      for (const t of await fleet.api.targets({ bundle: HEALTHY })) assert.equal(t.applied?.revision, good, 'same digest: nothing republished');
      assert.deepEqual(await snapshot(fleet), before_, 'no object of either bundle was recreated or written');
    });
  }

  it('the fixing commit renders the victim again; the objects stay the same', async () => {
    writeGoodVictim();
    const fixed = await fleet.repo.commitAndPush('fix the victim');
    await fleet.api.pushWebhook(SOURCE, fixed);
    await eventually(`${VICTIM} Ready at ${fixed.slice(0, 8)}`, async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === VICTIM);
      if (b?.revision !== fixed || b.state !== 'Ready') throw new Error(`${b?.state} at ${b?.revision?.slice(0, 8)} ${JSON.stringify(b?.errors)}`);
    });
    assert.deepEqual(await snapshot(fleet), before_);
  });

  it('kustomizeRemoteBases on the source lets a remote base through (here: this fleet\'s own Git repository)', async () => {
    fleet.repo.write('remote-base/kustomization.yaml', 'resources:\n- cm.yaml\n');
    fleet.repo.write('remote-base/cm.yaml', configMap('from-remote-base'));
    writeGoodVictim();
    fleet.repo.write('victim/kustomization.yaml', `resources:\n- cm.yaml\n- ${fleet.repo.url}//remote-base?ref=main\n`);
    const revision = await fleet.repo.commitAndPush('a remote base, and the base itself');
    await fleet.api.pushWebhook(SOURCE, revision);
    const refused = await eventually(`${VICTIM} refused the remote base`, async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === VICTIM);
      if (b?.revision !== revision || b.state !== 'Failed') throw new Error(`${b?.state} at ${b?.revision?.slice(0, 8)}`);
      return b;
    });
    assert.match(refused.errors[0]!.message, /is a remote base; remote kustomize bases are off/);

    const view = await fleet.api.patch<{ kustomizeRemoteBases: boolean }>(`/api/v1/sources/${SOURCE}`, { kustomizeRemoteBases: true });
    assert.equal(view.kustomizeRemoteBases, true);
    await fleet.waitForRevision(VICTIM, revision, [SPOKE]);
    const cm = await fleet.kubectl(SPOKE).get('configmap', 'from-remote-base', NS_VICTIM);
    assert.ok(cm, 'the remote base\'s ConfigMap was applied');
  });
});

function assertRefusal(bundle: BundleView, c: Case): void {
  const hit = bundle.errors.find((e) => e.file === c.file && c.reason.test(e.message));
  assert.ok(hit, `${c.name}: expected an error on ${c.file} matching ${String(c.reason)}, got ${JSON.stringify(bundle.errors)}`);
}
