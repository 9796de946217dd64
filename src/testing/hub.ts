/**
 * Test harness: a real TerraHub on port 0 with a fresh data directory and a known admin token.
 * Every test that needs a server uses this, and closes it (`await hub.close()`), which also removes the dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigKey } from '../core/config/keys.ts';
import { loadConfig } from '../core/config/load.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { startTerraHub, type RunningTerraHub } from '../server/terrahub.ts';

export const ADMIN_TOKEN = 'th_test_admin_token_0123456789abcdefghij';

export interface TestHub extends RunningTerraHub {
  dataDir: string;
  /** fetch against the origin with the admin token unless other headers are given. */
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Makes a user and returns a token for them with the given scopes (default: all of theirs). */
  user(name: string, opts?: { admin?: boolean; groups?: string[]; scopes?: string[] }): Promise<string>;
}

/** Path of the shared test data (../shared/testdata from the project root). */
export const TESTDATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'testdata');

export async function startTestHub(
  overrides: Partial<Record<ConfigKey, unknown>> = {},
  opts: { dataDir?: string; logger?: Logger } = {},
): Promise<TestHub> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'terrahub-test-'));
  const { config } = loadConfig({
    flags: {
      dataDir,
      port: 0,
      's3.port': 0,
      logLevel: process.env['TERRAHUB_TEST_LOG'] ?? 'silent',
      'admin.token': ADMIN_TOKEN,
      minFreeDisk: 0,
      ...overrides,
    },
  });
  const hub = await startTerraHub(config, opts.logger ?? createLogger(config.logLevel));
  const close = hub.close.bind(hub);
  return {
    ...hub,
    dataDir,
    async close() {
      await close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    api(path, init = {}) {
      const { token = ADMIN_TOKEN, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      if (typeof rest.body === 'string' && !headers.has('content-type'))
        headers.set('content-type', 'application/json');
      return fetch(hub.url + path, { ...rest, headers });
    },
    async user(name, o = {}) {
      const u = await hub.services.identity.users.create({
        name,
        admin: o.admin ?? false,
        groups: o.groups ?? [],
      });
      return hub.services.identity.tokens.create(u, { scopes: o.scopes }).token;
    },
  };
}
