// Bad input at every entry of the rendering path: each case is a real temp checkout on disk.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BundleError } from './bundle-error.js';
import { scanBundles } from './bundle-scan.js';
import { MAX_BUNDLE_BYTES, MAX_FILE_BYTES } from './checkout-files.js';
import { checkKustomization, looksRemote } from './kustomize-check.js';
import { nameProblem } from './object-checks.js';
import { renderBundle, variantKey, type RenderVariant } from './render.js';

/** A file's content, or `{ link }`: a symlink to that target (`$OUT` = the dir outside the checkout, `$REPO` = the checkout). */
type Spec = string | Uint8Array | { link: string };

/** A temp dir holding `repo/` (the checkout) and `outside/` (a secret next to it). */
async function makeRepo(files: Record<string, Spec>): Promise<{ base: string; repo: string }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bad-input-'));
  const repo = path.join(base, 'repo');
  const outside = path.join(base, 'outside');
  await mkdir(repo);
  await mkdir(path.join(outside, 'dir'), { recursive: true });
  await writeFile(path.join(outside, 'secret.yaml'), cm('outside-secret'));
  await writeFile(path.join(outside, 'dir', 'cm.yaml'), cm('outside-dir'));
  await writeFile(path.join(outside, 'dir', 'kustomization.yaml'), 'resources:\n- cm.yaml\n');
  await writeFile(path.join(outside, 'values.yaml'), 'secret: 1\n');
  for (const [rel, spec] of Object.entries(files)) {
    const abs = path.join(repo, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    if (typeof spec === 'object' && 'link' in spec) await symlink(spec.link.replace('$OUT', outside).replace('$REPO', repo), abs);
    else await writeFile(abs, spec);
  }
  return { base, repo };
}

const cm = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n  k: v\n`;
const plain: RenderVariant = { overlays: [] };
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((l, i) => `${l}: &${l} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n') + '\n';

async function refused(p: Promise<unknown>, file: string, reason: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BundleError, `not a BundleError: ${String(err)}`);
    assert.equal(err.file, file, err.message);
    assert.match(err.reason, reason);
    return true;
  });
}

describe('bad input: plain YAML bundles are refused with file and reason', () => {
  const bigText = `# ${'x'.repeat(MAX_FILE_BYTES)}\n${cm('big')}`;
  const table: Array<[string, Record<string, Spec>, string, RegExp]> = [
    ['a symlinked file pointing outside the checkout', { 'app/ok.yaml': cm('ok'), 'app/evil.yaml': { link: '$OUT/secret.yaml' } }, 'app/evil.yaml', /points outside the repository/],
    ['a relative symlink climbing out', { 'app/ok.yaml': cm('ok'), 'app/evil.yaml': { link: '../../outside/secret.yaml' } }, 'app/evil.yaml', /points outside the repository/],
    ['a symlinked directory pointing outside', { 'app/ok.yaml': cm('ok'), 'app/sub': { link: '$OUT/dir' } }, 'app/sub', /points outside the repository/],
    ['a dangling symlink pointing outside', { 'app/ok.yaml': cm('ok'), 'app/gone.yaml': { link: '/nonexistent/gitfleet/x.yaml' } }, 'app/gone.yaml', /points outside the repository/],
    ['a symlink to the root filesystem in a subfolder', { 'app/ok.yaml': cm('ok'), 'app/deep/etc': { link: '/etc' } }, 'app/deep/etc', /points outside the repository/],
    ['a file above the 10 MiB limit', { 'app/big.yaml': bigText }, 'app/big.yaml', /^file is 10\.0 MiB, above the 10 MiB limit per file$/],
    ['a binary file named .yaml (NUL bytes)', { 'app/bin.yaml': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]) }, 'app/bin.yaml', /^binary file: NUL byte at offset 4/],
    ['a file that is not UTF-8', { 'app/latin1.yaml': new Uint8Array([...Buffer.from('a: '), 0xe9, 0xff, 0x0a]) }, 'app/latin1.yaml', /not valid UTF-8/],
    ['duplicate keys in a mapping', { 'app/dup.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n` }, 'app/dup.yaml', /^line 5 col 3: Map keys must be unique/],
    ['a YAML bomb (alias expansion)', { 'app/bomb.yaml': bomb }, 'app/bomb.yaml', /Excessive alias count/],
    ['an object without apiVersion', { 'app/x.yaml': 'kind: ConfigMap\nmetadata:\n  name: a\n' }, 'app/x.yaml', /^document 1 \(line 1\): missing apiVersion$/],
    ['an object without kind', { 'app/x.yaml': `${cm('a')}---\napiVersion: v1\nmetadata:\n  name: b\n` }, 'app/x.yaml', /^document 2 \(line 8\): missing kind$/],
    ['an object without metadata.name', { 'app/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' }, 'app/x.yaml', /ConfigMap is missing metadata\.name$/],
    ['metadata.generateName alone', { 'app/x.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n' }, 'app/x.yaml', /generateName without metadata\.name is not supported/],
    ['a name with capitals and _', { 'app/x.yaml': cm('Web_Config') }, 'app/x.yaml', /ConfigMap "Web_Config": invalid metadata\.name: must be a lowercase RFC 1123 subdomain/],
    ['a name longer than 253 characters', { 'app/x.yaml': cm('a'.repeat(254)) }, 'app/x.yaml', /no more than 253 characters/],
    ['a Service name starting with a digit (RFC 1035)', { 'app/x.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: 1web\n' }, 'app/x.yaml', /RFC 1035 label/],
    ['a Namespace name with a dot (RFC 1123 label)', { 'app/x.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a.b\n' }, 'app/x.yaml', /RFC 1123 label/],
    ['an invalid metadata.namespace', { 'app/x.yaml': cm('a', '').replace('  name: a\n', '  name: a\n  namespace: Prod\n') }, 'app/x.yaml', /invalid metadata\.namespace "Prod"/],
    ['a List item without a name', { 'app/x.yaml': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n' }, 'app/x.yaml', /^document 1 \(line 1\) item 1: ConfigMap is missing metadata\.name$/],
    ['the same object in two files', { 'app/a.yaml': cm('same'), 'app/b.yaml': cm('same') }, 'app/b.yaml', /ConfigMap same \(v1\) is defined twice in the bundle \(also in app\/a\.yaml, document 1 \(line 1\)\)/],
    ['the same object twice in one file', { 'app/a.yaml': `${cm('x', '  namespace: n\n')}---\n${cm('x', '  namespace: n\n')}` }, 'app/a.yaml', /document 2 \(line \d+\): ConfigMap n\/x .* is defined twice/],
  ];
  for (const [name, files, file, reason] of table) {
    it(name, async () => {
      const { base, repo } = await makeRepo(files);
      try {
        await refused(renderBundle(repo, 'app', plain), file, reason);
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    });
  }

  it('more than 32 MiB in one bundle, each file under the file limit', async () => {
    const chunk = `# ${'y'.repeat(MAX_FILE_BYTES - 1024)}\n`;
    const n = Math.floor(MAX_BUNDLE_BYTES / chunk.length) + 1;
    const files: Record<string, Spec> = {};
    for (let i = 0; i < n; i++) files[`app/f${String(i).padStart(2, '0')}.yaml`] = `${chunk}${cm(`c${i}`)}`;
    const { base, repo } = await makeRepo(files);
    try {
      // the file that crosses the limit depends on directory order: any of them
      await assert.rejects(renderBundle(repo, 'app', plain), (err: unknown) => {
        assert.ok(err instanceof BundleError, String(err));
        assert.match(err.file, /^app\/f\d\d\.yaml$/);
        assert.match(err.reason, /^the bundle exceeds the 32 MiB limit per bundle/);
        return true;
      });
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  describe('accepted', () => {
    const ok: Array<[string, Record<string, Spec>, string[]]> = [
      ['a symlinked file that stays inside the checkout is read', { 'shared/cm.yaml': cm('shared'), 'app/link.yaml': { link: '../shared/cm.yaml' } }, ['ConfigMap/shared']],
      ['a symlinked dir inside the checkout is allowed (not descended)', { 'shared/cm.yaml': cm('shared'), 'app/a.yaml': cm('a'), 'app/shared': { link: '$REPO/shared' } }, ['ConfigMap/a']],
      ['RBAC names may hold ":"', { 'app/r.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:gitfleet:reader\nrules: []\n' }, ['ClusterRole/system:gitfleet:reader']],
      ['same name, other kind or namespace', { 'app/a.yaml': `${cm('x')}---\n${cm('x', '  namespace: other\n')}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n` }, ['ConfigMap/x', 'ConfigMap/x', 'Secret/x']],
      ['a nested bundle with a bad symlink is its own business', { 'app/a.yaml': cm('a'), 'app/inner/fleet.yaml': 'name: inner\n', 'app/inner/evil.yaml': { link: '$OUT/secret.yaml' } }, ['ConfigMap/a']],
      ['a UTF-8 byte order mark', { 'app/bom.yaml': `\uFEFF${cm('bom')}` }, ['ConfigMap/bom']],
    ];
    for (const [name, files, want] of ok) {
      it(name, async () => {
        const { base, repo } = await makeRepo(files);
        try {
          const objs = await renderBundle(repo, 'app', plain);
          assert.deepEqual(objs.map((o) => `${o.object.kind as string}/${(o.object.metadata as Record<string, string>).name}`), want);
        } finally {
          await rm(base, { recursive: true, force: true });
        }
      });
    }
  });
});

describe('bad input: kustomize', () => {
  const table: Array<[string, Record<string, Spec>, boolean, string, RegExp]> = [
    ['a base outside the checkout (../..)', { 'app/kustomization.yaml': 'resources:\n- ../../outside/dir\n' }, false, 'app/kustomization.yaml', /^resources\[0\]: "\.\.\/\.\.\/outside\/dir" leaves the repository$/],
    ['a base by absolute path', { 'app/kustomization.yaml': 'resources:\n- /etc\n' }, false, 'app/kustomization.yaml', /^resources\[0\]: "\/etc" leaves the repository$/],
    ['a base through a symlink in another folder', { 'app/kustomization.yaml': 'resources:\n- ../lib/ext\n', 'lib/ext': { link: '$OUT/dir' } }, false, 'app/kustomization.yaml', /^resources\[0\]: "\.\.\/lib\/ext" resolves outside the repository/],
    ['a local base whose file is a symlink out', { 'app/kustomization.yaml': 'resources:\n- ../base\n', 'base/kustomization.yaml': 'resources:\n- cm.yaml\n', 'base/cm.yaml': { link: '$OUT/secret.yaml' } }, false, 'base/cm.yaml', /points outside the repository/],
    ['a configMapGenerator file outside', { 'app/kustomization.yaml': 'configMapGenerator:\n- name: c\n  files:\n  - key=../../outside/values.yaml\n' }, false, 'app/kustomization.yaml', /^configMapGenerator\[0\]\.files\[0\]: .* leaves the repository$/],
    ['a patch path outside', { 'app/kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- path: /etc/hostname\n', 'app/cm.yaml': cm('a') }, false, 'app/kustomization.yaml', /^patches\[0\]\.path: "\/etc\/hostname" leaves the repository$/],
    ['a components entry outside', { 'app/kustomization.yaml': 'components:\n- ../../outside/dir\n' }, false, 'app/kustomization.yaml', /^components\[0\]/],
    ['a remote base (github shorthand)', { 'app/kustomization.yaml': 'resources:\n- github.com/kubernetes-sigs/kustomize/examples/multibases?ref=v1.0.6\n' }, false, 'app/kustomization.yaml', /is a remote base; remote kustomize bases are off for this source/],
    ['a remote base (https)', { 'app/kustomization.yaml': 'resources:\n- https://github.com/argoproj/argocd-example-apps//guestbook?ref=master\n' }, false, 'app/kustomization.yaml', /is a remote base/],
    ['a remote base in a local base', { 'app/kustomization.yaml': 'resources:\n- ../base\n', 'base/kustomization.yaml': 'resources:\n- git::https://example.org/x.git//deploy\n' }, false, 'base/kustomization.yaml', /^resources\[0\]: .* is a remote base/],
    ['a host-like name that is no local path', { 'app/kustomization.yaml': 'bases:\n- example.org/team/repo/deploy\n' }, false, 'app/kustomization.yaml', /^bases\[0\]: .* so kustomize would fetch it as a remote base/],
    ['a remote file (crds over https)', { 'app/kustomization.yaml': 'crds:\n- https://example.org/crd.yaml\n' }, false, 'app/kustomization.yaml', /^crds\[0\]: .* is a remote file/],
    ['duplicate keys in kustomization.yaml', { 'app/kustomization.yaml': 'resources:\n- a.yaml\nresources:\n- b.yaml\n' }, false, 'app/kustomization.yaml', /^line 3 col 1: Map keys must be unique/],
    ['a binary kustomization.yaml', { 'app/kustomization.yaml': new Uint8Array([0x72, 0, 0]) }, false, 'app/kustomization.yaml', /binary file/],
    ['a kustomize resource above 10 MiB', { 'app/kustomization.yaml': 'resources:\n- big.yaml\n', 'app/big.yaml': `# ${'k'.repeat(MAX_FILE_BYTES)}\n${cm('big')}` }, false, 'app/kustomization.yaml', /^resources\[0\]: "big\.yaml": file is 10\.0 MiB, above the 10 MiB limit per file$/],
    ['kustomize output with an invalid name', { 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': cm('Bad_Name') }, false, 'app/kustomization.yaml', /invalid metadata\.name/],
  ];
  for (const [name, files, remote, file, reason] of table) {
    it(name, async () => {
      const { base, repo } = await makeRepo(files);
      try {
        await refused(renderBundle(repo, 'app', { overlays: [], kustomizeRemoteBases: remote }), file, reason);
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    });
  }

  it('a local base elsewhere in the checkout renders', async () => {
    const { base, repo } = await makeRepo({ 'app/kustomization.yaml': 'resources:\n- ../base\nnamePrefix: p-\n', 'base/kustomization.yaml': 'resources:\n- cm.yaml\n', 'base/cm.yaml': cm('a') });
    try {
      const objs = await renderBundle(repo, 'app', plain);
      assert.deepEqual(objs.map((o) => (o.object.metadata as Record<string, string>).name), ['p-a']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('remote bases pass the check when the source allows them (and are not looked into)', async () => {
    const { base, repo } = await makeRepo({ 'app/kustomization.yaml': 'resources:\n- github.com/org/repo//deploy?ref=v1\n- https://example.org/x.git\n- example.org/team/repo\n' });
    try {
      const { checkoutRoot } = await import('./checkout-files.js');
      await checkKustomization(await checkoutRoot(repo), 'app', { remoteBases: true });
      await refused(checkKustomization(await checkoutRoot(repo), 'app', { remoteBases: false }), 'app/kustomization.yaml', /^resources\[0\]/);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('the source setting is part of the variant key (flipping it re-renders)', () => {
    assert.notEqual(variantKey({ overlays: [] }), variantKey({ overlays: [], kustomizeRemoteBases: true }));
    assert.equal(variantKey({ overlays: [] }), variantKey({ overlays: [], kustomizeRemoteBases: false }));
  });

  it('looksRemote', () => {
    const table: Array<[string, boolean]> = [
      ['github.com/org/repo//dir?ref=v1', true],
      ['gitlab.com/org/repo', true],
      ['https://example.org/repo.git', true],
      ['ssh://git@example.org/repo.git', true],
      ['git::https://example.org/repo.git', true],
      ['git@github.com:org/repo.git', true],
      ['gh:org/repo', true],
      ['file:///etc', true],
      ['../base', false],
      ['deployment.yaml', false],
      ['overlays/prod', false],
    ];
    for (const [ref, want] of table) assert.equal(looksRemote(ref), want, ref);
  });
});

describe('bad input: fleet.yaml and helm values files (scan)', () => {
  const table: Array<[string, Record<string, Spec>, string, RegExp]> = [
    ['fleet.yaml with duplicate keys', { 'app/fleet.yaml': 'name: a\nname: b\n' }, 'app/fleet.yaml', /^line 2 col 1: Map keys must be unique/],
    ['fleet.yaml as a YAML bomb', { 'app/fleet.yaml': bomb }, 'app/fleet.yaml', /Excessive alias count/],
    ['fleet.yaml above 10 MiB', { 'app/fleet.yaml': `# ${'z'.repeat(MAX_FILE_BYTES)}\nname: a\n` }, 'app/fleet.yaml', /above the 10 MiB limit per file/],
    ['a binary fleet.yaml', { 'app/fleet.yaml': new Uint8Array([0x6e, 0x61, 0, 0xff]) }, 'app/fleet.yaml', /binary file/],
    ['fleet.yaml as a symlink out of the checkout', { 'app/fleet.yaml': { link: '$OUT/values.yaml' } }, 'app/fleet.yaml', /resolves outside the repository/],
    ['helm.valuesFiles climbing out', { 'app/fleet.yaml': 'helm:\n  chart: ./chart\n  valuesFiles: [../../outside/values.yaml]\n' }, '../../outside/values.yaml', /leaves the repository/],
    ['helm.valuesFiles through a symlink out', { 'app/fleet.yaml': 'helm:\n  chart: ./chart\n  valuesFiles: [v.yaml]\n', 'app/v.yaml': { link: '$OUT/values.yaml' } }, 'app/v.yaml', /resolves outside the repository/],
    ['helm.valuesFiles with duplicate keys', { 'app/fleet.yaml': 'helm:\n  chart: ./chart\n  valuesFiles: [v.yaml]\n', 'app/v.yaml': 'a: 1\na: 2\n' }, 'app/v.yaml', /Map keys must be unique/],
    ['helm.valuesFiles binary', { 'app/fleet.yaml': 'helm:\n  chart: ./chart\n  valuesFiles: [v.yaml]\n', 'app/v.yaml': new Uint8Array([0, 0, 0]) }, 'app/v.yaml', /binary file/],
  ];
  for (const [name, files, file, reason] of table) {
    it(name, async () => {
      const { base, repo } = await makeRepo(files);
      try {
        const bundles = await scanBundles(repo);
        const b = bundles.find((x) => x.path === 'app');
        assert.ok(b, JSON.stringify(bundles.map((x) => x.path)));
        assert.ok(b.error instanceof BundleError, 'bundle should carry an error');
        assert.equal(b.error.file, file, b.error.message);
        assert.match(b.error.reason, reason);
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    });
  }

  it('a scan sub-path that is a symlink out of the checkout is refused', async () => {
    const { base, repo } = await makeRepo({ 'apps': { link: '$OUT/dir' } });
    try {
      await refused(scanBundles(repo, 'apps'), 'apps', /resolves outside the repository/);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('bad input: helm charts', () => {
  let base: string;
  let repo: string;
  const chart = (name: string, template: string): Record<string, Spec> => ({
    [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name.split('/').pop()!}\nversion: 0.1.0\n`,
    [`${name}/templates/t.yaml`]: template,
  });
  before(async () => {
    ({ base, repo } = await makeRepo({
      ...chart('dup', `${cm('same')}---\n${cm('same')}`),
      ...chart('badname', cm('Not_Valid')),
      ...chart('linked', cm('ok')),
      ...chart('bigchart', cm('ok')),
      'bigchart/files/blob.txt': 'b'.repeat(MAX_FILE_BYTES + 1),
      'linked/templates/evil.yaml': { link: '$OUT/secret.yaml' },
      'outlink/fleet.yaml': 'helm:\n  chart: ./c\n',
      'outlink/c': { link: '$OUT/dir' },
    }));
  });
  after(() => rm(base, { recursive: true, force: true }));
  const helm = (chart: string): RenderVariant => ({ overlays: [], helm: { chart, namespace: 'default', values: {}, releaseName: 'r' } });

  it('a chart template holding a symlink out of the checkout', () => refused(renderBundle(repo, 'linked', helm('.')), 'linked/templates/evil.yaml', /points outside the repository/));
  it('a chart holding a file above 10 MiB', () => refused(renderBundle(repo, 'bigchart', helm('.')), 'bigchart/files/blob.txt', /above the 10 MiB limit per file/));
  it('a chart path that is a symlink out of the checkout', () => refused(renderBundle(repo, 'outlink', helm('./c')), 'outlink/c', /points outside the repository/));
  it('helm output with the same object twice', () => refused(renderBundle(repo, 'dup', helm('.')), 'dup/templates/t.yaml', /is defined twice/));
  it('helm output with an invalid name', () => refused(renderBundle(repo, 'badname', helm('.')), 'badname/templates/t.yaml', /invalid metadata\.name/));
});

describe('nameProblem (k8s.io/apimachinery validation)', () => {
  const table: Array<[string, Parameters<typeof nameProblem>[1], boolean]> = [
    ['web', 'dns1123-subdomain', true],
    ['web.v1.example', 'dns1123-subdomain', true],
    ['-web', 'dns1123-subdomain', false],
    ['web-', 'dns1123-subdomain', false],
    ['web..x', 'dns1123-subdomain', false],
    ['Web', 'dns1123-subdomain', false],
    ['a'.repeat(253), 'dns1123-subdomain', true],
    ['a'.repeat(254), 'dns1123-subdomain', false],
    ['a.b', 'dns1123-label', false],
    ['a'.repeat(63), 'dns1123-label', true],
    ['a'.repeat(64), 'dns1123-label', false],
    ['1abc', 'dns1123-label', true],
    ['1abc', 'dns1035-label', false],
    ['system:node', 'path-segment', true],
    ['..', 'path-segment', false],
    ['a/b', 'path-segment', false],
    ['a%2f', 'path-segment', false],
  ];
  for (const [name, rule, valid] of table) {
    it(`${rule} ${name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : JSON.stringify(name)} → ${valid ? 'valid' : 'invalid'}`, () => {
      assert.equal(nameProblem(name, rule) === undefined, valid, nameProblem(name, rule));
    });
  }
});
