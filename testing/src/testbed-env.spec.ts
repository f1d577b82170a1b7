import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnvFile, requireTestbedEnv } from './testbed-env.js';

describe('parseEnvFile', () => {
  const table: Array<{ text: string; want: Record<string, string> }> = [
    { text: 'A=1\nB_2=x=y\n', want: { A: '1', B_2: 'x=y' } },
    { text: '  C="quoted"  \n# comment\nlower=no\n', want: { C: 'quoted' } },
    { text: "D='single'\nE=\n", want: { D: 'single', E: '' } },
  ];
  for (const t of table) it(JSON.stringify(t.text), () => assert.deepEqual(parseEnvFile(t.text), t.want));
});

describe('requireTestbedEnv', () => {
  it('names the file and every missing key', () => {
    assert.throws(() => requireTestbedEnv({ A: '1', B: '' }, '/x/testbed.env', ['A', 'B', 'C']), /\/x\/testbed\.env lacks B, C/);
  });
  it('returns the keys', () => assert.deepEqual(requireTestbedEnv({ A: '1', Z: '2' }, 'f', ['A']), { A: '1' }));
});
