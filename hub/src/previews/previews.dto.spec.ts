import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BRANCH_PATTERN, branchNameProblem, REVISION_PATTERN } from './previews.dto.js';

describe('branch names of a preview (git check-ref-format, the common subset)', () => {
  // [branch, accepted]
  const table: Array<[string, boolean]> = [
    ['main', true], ['feature/new-web', true], ['release-1.2', true], ['user_x/fix.3', true],
    ['-rm', false], ['/abs', false], ['.hidden', false], ['a..b', false], ['a//b', false], ['a/.b', false],
    ['a/', false], ['a.', false], ['a.lock', false], ['a b', false], ['a~1', false], ['a:b', false], ['', false],
  ];
  for (const [branch, ok] of table) {
    it(`${JSON.stringify(branch)} ${ok ? 'accepted' : 'refused'}`, () => {
      assert.equal(BRANCH_PATTERN.test(branch) && branchNameProblem(branch) === undefined, ok);
    });
  }
});

describe('revisions of a preview', () => {
  const table: Array<[string, boolean]> = [['1a2b3c4', true], ['1A2B3C4D5E6F', true], ['a'.repeat(40), true], ['1a2b3c', false], ['a'.repeat(41), false], ['main', false]];
  for (const [rev, ok] of table) it(`${rev} ${ok ? 'accepted' : 'refused'}`, () => assert.equal(REVISION_PATTERN.test(rev), ok));
});
