/** Start, restart, refuse a second instance, refuse a bad data directory, stop cleanly on SIGTERM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ADMIN_TOKEN, startTestHub } from '../testing/hub.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'terrahub.js');

test('a restart keeps users, tokens and S3 keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-restart-'));
  try {
    const first = await startTestHub({}, { dataDir: dir });
    const token = await first.user('alice', { groups: ['lab'] });
    const keys = first.services.identity.users.credentials('alice');
    await first.close();

    const second = await startTestHub({}, { dataDir: dir });
    try {
      const me = await (await second.api('/hub/api/user', { token })).json();
      assert.equal(me.name, 'alice');
      assert.deepEqual(me.groups, ['lab']);
      assert.deepEqual(second.services.identity.users.credentials('alice'), keys);
      assert.equal((await second.api('/hub/api/user')).status, 200, 'the bootstrap admin token still works');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second TerraHub on the same data directory refuses', async () => {
  const hub = await startTestHub();
  try {
    await assert.rejects(startTestHub({}, { dataDir: hub.dataDir }), /already running on data directory/);
    // The first one is untouched.
    assert.equal((await hub.api('/hub/api/user')).status, 200);
  } finally {
    await hub.close();
  }
});

test('a data directory without enough free space, or that cannot be written, is refused', async () => {
  await assert.rejects(startTestHub({ minFreeDisk: '1000TB' }), /MB free; at least .* are needed/);
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-notdir-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  try {
    await assert.rejects(startTestHub({}, { dataDir: join(file, 'data') }), /is not writable/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`terrahub up` exits non-zero with a message for bad configuration', async () => {
  const r = spawn(process.execPath, [BIN, 'up'], {
    env: { ...process.env, TERRAHUB_PORT: 'eighty', TERRAHUB_DATA_DIR: tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  r.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(r, 'exit')) as [number];
  assert.equal(code, 2);
  assert.match(err, /TERRAHUB_PORT \(key "port"\): must be an integer/);
  assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
});

test('`terrahub up` stops cleanly on SIGTERM and releases the data directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-sigterm-'));
  try {
    const child = spawn(
      process.execPath,
      [BIN, 'up', '--port', '0', '--s3-port', '0', '--log-level', 'warn'],
      {
        env: {
          ...process.env,
          TERRAHUB_DATA_DIR: dir,
          TERRAHUB_ADMIN_TOKEN: ADMIN_TOKEN,
          TERRAHUB_ENVS_BUILD_ON_START: 'false',
          TERRAHUB_ENVS_DEMO_DATA: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!/TerraHub is running/.test(err) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(err, /TerraHub is running/);
    assert.ok(existsSync(join(dir, 'terrahub.lock')));
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    assert.ok(!existsSync(join(dir, 'terrahub.lock')), 'lock released');
    // SQLite checkpoints and removes the WAL file when the last connection closes cleanly.
    assert.ok(!existsSync(join(dir, 'terrahub.db-wal')), 'database closed cleanly');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
