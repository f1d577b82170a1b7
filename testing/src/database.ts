import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** A PostgreSQL database made for a test; `drop()` removes it. */
export interface TestDatabase {
  /** connection URL of the database (the admin URL with its path replaced) */
  url: string;
  name: string;
  drop(): Promise<void>;
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Drops database `name` if it exists, retrying for up to ~5 s: `WITH (FORCE)` cannot end a
 * superuser backend such as an autovacuum worker that happens to be in that database (SQLSTATE
 * 42501 "must be a member of the role whose process is being terminated", or 55006), and such a
 * worker is gone a moment later.
 * @param adminUrl URL of a role with CREATEDB (the test bed's GITFLEET_DATABASE_URL)
 * @throws Error on any other failure, or when it still fails after 25 tries.
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!NAME.test(name)) throw new Error(`dropDatabase: ${JSON.stringify(name)} is not a plain lower-case identifier`);
  for (let attempt = 1; ; attempt++) {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 25 || (code !== '42501' && code !== '55006')) throw err;
    } finally {
      await c.end();
    }
    await sleep(200);
  }
}

/**
 * Creates database `name`, empty (an existing one of that name is dropped first), with the role
 * of `adminUrl` (which needs CREATEDB).
 * @throws Error for a name that is not a plain lower-case identifier, or from PostgreSQL.
 */
export async function createDatabase(adminUrl: string, name: string): Promise<TestDatabase> {
  await dropDatabase(adminUrl, name);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => dropDatabase(adminUrl, name) };
}

/** Creates a throwaway `gitfleet_test_<12 hex>` database (see `createDatabase`). */
export function createTempDatabase(adminUrl: string): Promise<TestDatabase> {
  return createDatabase(adminUrl, `gitfleet_test_${randomBytes(6).toString('hex')}`);
}
