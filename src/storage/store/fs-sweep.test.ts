import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { FsObjectStore } from './fs-store.ts';

test('the fs driver sweeps old version files the index does not name, and keeps the live ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-sweep-'));
  const store = new FsObjectStore(dir);
  try {
    await store.createBucket('sweep');
    await store.put('sweep', 'kept', Readable.from([Buffer.from('live')]), { user: {} });
    const orphanDir = join(dir, 'data', 'sweep', 'ff');
    mkdirSync(orphanDir, { recursive: true });
    const old = join(orphanDir, 'ff00orphan');
    const fresh = join(orphanDir, 'ff01justwritten');
    writeFileSync(old, 'crash leftover');
    writeFileSync(fresh, 'a writer between rename and commit');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(old, hourAgo, hourAgo);
    assert.equal(await store.sweepOrphans(new Date(Date.now() - 3600_000)), 1);
    assert.equal(existsSync(old), false);
    assert.equal(existsSync(fresh), true);
    assert.equal((await store.readRange('sweep', 'kept', 0, 10)).toString(), 'live');
    // With every file old enough, only the orphan goes: age alone never removes a live version.
    assert.equal(
      await store.sweepOrphans(new Date(Date.now() + 60_000)),
      1,
      'the fresh orphan once it is old',
    );
    assert.equal((await store.readRange('sweep', 'kept', 0, 10)).toString(), 'live');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
