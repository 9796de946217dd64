import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openDatabase, type Db } from '../../core/db.ts';
import { createCatalog, systemPrincipal, type CatalogService } from '../index.ts';
import { collection, item } from '../testing.fixtures.ts';
import { loadStac } from './load.ts';

let dir: string;
let db: Db;
let catalog: CatalogService;
const p = systemPrincipal();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stac-load-'));
  mkdirSync(join(dir, 'in'));
  const extent = {
    spatial: { bbox: [[0, 0, 1, 1]] },
    temporal: { interval: [['2019-06-01T00:00:00Z', '2019-07-01T00:00:00Z']] },
  };
  writeFileSync(join(dir, 'in', 'a-collection.json'), JSON.stringify(collection('c', { extent })));
  const lines = Array.from({ length: 25 }, (_, i) =>
    JSON.stringify(item(`n${i}`, { x: i, collection: 'c' })),
  );
  writeFileSync(join(dir, 'in', 'items.ndjson'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 'in', 'more.json'),
    JSON.stringify({ type: 'FeatureCollection', features: [item('f1', { x: 100, y: 50, collection: 'c' })] }),
  );
  db = openDatabase(join(dir, 'db.sqlite'));
  catalog = await createCatalog(db, { driver: 'sqlite', countLimit: 1000 });
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('loads a directory: collections first, then items in batches; grows the extent', async () => {
  const seen: number[] = [];
  const r = await loadStac(catalog, p, join(dir, 'in'), {
    upsert: false,
    batchSize: 10,
    progress: { start: (t) => seen.push(t), advance: (n) => seen.push(n), stop: () => seen.push(-1) },
  });
  assert.deepEqual(r, { collections: 1, items: 26 });
  assert.deepEqual(seen, [26, 10, 10, 6, -1]);
  const c = await catalog.getCollection(p, 'c');
  assert.deepEqual(c.extent.spatial.bbox[0], [0, 0, 101, 51]);
  assert.deepEqual(c.extent.temporal.interval[0], ['2019-06-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z']);
});

it('refuses existing ids unless --upsert, and loads nothing of a failing batch', async () => {
  await assert.rejects(
    loadStac(catalog, p, join(dir, 'in', 'items.ndjson'), { upsert: false, batchSize: 100 }),
    {
      status: 409,
    },
  );
  const bad = [JSON.stringify(item('ok1', { collection: 'c' })), '{"type": "Feature", "id": "broken"}'];
  writeFileSync(join(dir, 'bad.ndjson'), bad.join('\n'));
  await assert.rejects(loadStac(catalog, p, join(dir, 'bad.ndjson'), { upsert: true, batchSize: 100 }), {
    status: 400,
  });
  await assert.rejects(catalog.getItem(p, 'c', 'ok1'), { status: 404 });
  const r = await loadStac(catalog, p, join(dir, 'in', 'items.ndjson'), {
    upsert: true,
    batchSize: 100,
    collection: 'c',
  });
  assert.equal(r.items, 25);
});

it('runs as `terrahub stac load` with exit codes', () => {
  const data = join(dir, 'data');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/terrahub.js', '--data-dir', data, 'stac', 'load', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
  const ok = run(join(dir, 'in'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /loaded 1 collection\(s\) and 26 item\(s\)/);
  const again = run(join(dir, 'in', 'items.ndjson'));
  assert.equal(again.status, 4); // conflict
  assert.match(again.stderr, /already exists/);
  assert.equal(run(join(dir, 'in', 'items.ndjson'), '--upsert').status, 0);
});
