/**
 * PostgreSQL for the tests: the URL comes from TH_TEST_POSTGRES_URL (scripts/test-all.sh exports it),
 * else from running scripts/postgres.sh here; each test run gets a fresh schema, dropped when it ends.
 * Without either, the tests skip loudly (and CI, which forbids skips, fails).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

let cached: string | null | undefined;

/** The test database's URL, or null (after saying why on stderr) when there is none. */
export function postgresTestUrl(): string | null {
  if (cached !== undefined) return cached;
  const fromEnv = process.env['TH_TEST_POSTGRES_URL'];
  if (fromEnv) return (cached = fromEnv);
  const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'postgres.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 600_000 });
  const url = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  if (url) return (cached = url);
  console.error(
    `\n*** postgres driver tests SKIPPED: TH_TEST_POSTGRES_URL is not set and scripts/postgres.sh failed ` +
      `(status ${r.status}): ${(r.stderr || String(r.error ?? '')).trim().slice(-500)}\n`,
  );
  return (cached = null);
}

export const SKIP_REASON = 'no PostgreSQL: set TH_TEST_POSTGRES_URL or let scripts/postgres.sh run';

/** A fresh schema name for one test run, and a function that drops it. */
export function freshSchema(url: string): { schema: string; drop: () => Promise<void> } {
  const schema = `terrahub_test_${randomBytes(6).toString('hex')}`;
  return {
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
