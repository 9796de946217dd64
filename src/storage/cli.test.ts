/** `terrahub storage ...` as a user runs it: the real command in a child process against a running TerraHub. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../testing/hub.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'terrahub.js');

describe('terrahub storage', () => {
  let hub: TestHub;
  let dir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'storage', '--endpoint-url', hub.s3Url!, ...args],
        { env, timeout: 120_000 },
        (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
      );
    });
  before(async () => {
    hub = await startTestHub();
    await hub.user('frank');
    const c = hub.services.identity.users.credentials('frank');
    dir = mkdtempSync(join(tmpdir(), 'terrahub-cli-'));
    env = {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    };
  });
  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a bucket, copies up (multipart) and down, lists, presigns and removes', async () => {
    const data = randomBytes(11 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), data);
    assert.equal((await cli('mb', 's3://frank-data')).code, 0);
    const up = await cli('cp', '--part-size', '5MiB', join(dir, 'big.bin'), 's3://frank-data/in/');
    assert.equal(up.code, 0, up.err);
    const head = await hub.services.storage.store.head('frank-data', 'in/big.bin');
    assert.match(head!.etag, /-3"$/, 'uploaded in 3 parts');
    const ls = await cli('ls', 's3://frank-data/', '--json');
    assert.deepEqual(JSON.parse(ls.out), [{ key: 'in/', size: null, modified: null }]);
    const lsr = JSON.parse((await cli('ls', '-r', 's3://frank-data/', '--json')).out) as Array<{
      key: string;
      size: number;
    }>;
    assert.deepEqual(
      lsr.map((r) => [r.key, r.size]),
      [['in/big.bin', data.length]],
    );
    const down = await cli('cp', 's3://frank-data/in/big.bin', join(dir, 'back.bin'));
    assert.equal(down.code, 0, down.err);
    assert.ok(readFileSync(join(dir, 'back.bin')).equals(data));
    const url = (await cli('presign', 's3://frank-data/in/big.bin', '--expires-in', '60')).out.trim();
    assert.equal((await fetch(url, { headers: { range: 'bytes=0-9' } })).status, 206);
    assert.equal((await cli('rm', 's3://frank-data/in/big.bin')).code, 0);
    assert.equal(await hub.services.storage.store.head('frank-data', 'in/big.bin'), null);
  });

  it('reports storage usage from the local data directory', async () => {
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, '--data-dir', hub.dataDir, 'storage', 'usage', 'frank', '--json'],
        { env, timeout: 120_000 },
        (e, out) => resolve({ code: e ? 1 : 0, out }),
      );
    });
    assert.equal(r.code, 0);
    const [row] = JSON.parse(r.out) as Array<{ user: string; home_bucket: string; quota_bytes: number }>;
    assert.deepEqual([row!.user, row!.home_bucket, row!.quota_bytes], ['frank', 'frank', 100_000_000_000]);
  });

  it('exits with a reason and code 5 when access is denied, 2 without credentials', async () => {
    const denied = await cli('ls', 's3://admin/');
    assert.equal(denied.code, 5);
    assert.match(denied.err, /AccessDenied/);
    const saved = env;
    env = { PATH: saved['PATH']!, HOME: dir };
    const none = await cli('ls');
    env = saved;
    assert.equal(none.code, 2);
    assert.match(none.err, /AWS_ACCESS_KEY_ID/);
  });
});
