/**
 * Fixture tables of the drift module: every agent/test/fixtures/drift/*.yaml holds a desired and
 * a live object (and optionally ignore rules and a dry-run result) with the expected drift, or a
 * live object with its expected field owners. One helper runs them all (gitops-engine style).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { candidateDrift, confirmDrift, jsonText } from './drift.js';
import { DEFAULT_IGNORE_MANAGERS } from './ignore.js';
import { fieldOwners, writerOf } from './managed-fields.js';

const dir = new URL('../../../test/fixtures/drift/', import.meta.url);

interface DriftCase {
  ignore?: { pointers?: string[]; managers?: string[] };
  desired: Record<string, unknown>;
  live: Record<string, unknown> | null;
  dryRun?: Record<string, unknown>;
  expected: { missing: boolean; diffs: Array<{ path: string; desired?: unknown; live?: unknown; manager: string }>; ignoredByManager?: string[]; ignoredByPointer?: string[] };
}

interface OwnersCase {
  live: Record<string, unknown>;
  owners: Record<string, string[]>;
  lookups: Array<{ path: string; writer: string }>;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('drift fixtures', () => {
  it('has fixtures', () => assert.ok(files.length >= 8, `fixtures in ${dir.pathname}`));
  for (const file of files) {
    const fixture = parse(readFileSync(new URL(file, dir), 'utf8')) as DriftCase | OwnersCase;
    if ('owners' in fixture) {
      it(`${file}: field owners`, () => {
        const owners = fieldOwners(fixture.live);
        assert.deepEqual(Object.fromEntries([...owners].sort(([a], [b]) => a.localeCompare(b))),
          Object.fromEntries(Object.entries(fixture.owners).sort(([a], [b]) => a.localeCompare(b))));
        for (const l of fixture.lookups) assert.equal(writerOf(owners, l.path, 'gitfleet-agent'), l.writer, l.path);
      });
      continue;
    }
    it(`${file}: drift`, () => {
      const ignores = {
        pointers: fixture.ignore?.pointers ?? [],
        managers: new Set([...DEFAULT_IGNORE_MANAGERS, ...(fixture.ignore?.managers ?? [])]),
      };
      const c = candidateDrift(fixture.desired, fixture.live, ignores, 'gitfleet-agent');
      const diffs = fixture.dryRun && fixture.live ? confirmDrift(c.diffs, fixture.dryRun, fixture.live) : c.diffs;
      assert.equal(c.missing, fixture.expected.missing);
      const text = (d: { path: string; desired?: unknown; live?: unknown; manager: string }) =>
        ({ path: d.path, desired: jsonText(d.desired), live: jsonText(d.live), manager: d.manager });
      assert.deepEqual(diffs.map(text), fixture.expected.diffs.map(text));
      assert.deepEqual(c.ignoredByManager, fixture.expected.ignoredByManager ?? []);
      assert.deepEqual(c.ignoredByPointer, fixture.expected.ignoredByPointer ?? []);
    });
  }
});
