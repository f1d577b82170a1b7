import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { splitUrlCredentials } from './sources.service.js';

describe('splitUrlCredentials', () => {
  const cases: { url: string; want: ReturnType<typeof splitUrlCredentials> }[] = [
    { url: 'https://git.example.com/a/b.git', want: { url: 'https://git.example.com/a/b.git', fromUrl: undefined } },
    { url: 'https://bob:s3cret@git.example.com/a/b.git', want: { url: 'https://git.example.com/a/b.git', fromUrl: { username: 'bob', password: 's3cret' } } },
    { url: 'https://bob:p%40ss%3Aword@git.example.com:8443/b.git', want: { url: 'https://git.example.com:8443/b.git', fromUrl: { username: 'bob', password: 'p@ss:word' } } },
    { url: 'https://ghp_token@github.com/o/r.git', want: { url: 'https://github.com/o/r.git', fromUrl: { username: 'x-access-token', password: 'ghp_token' } } },
    { url: 'not a url', want: { url: 'not a url', fromUrl: undefined } },
  ];
  for (const c of cases) it(c.url, () => assert.deepEqual(splitUrlCredentials(c.url), c.want));
});
