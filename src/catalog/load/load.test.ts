import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openDatabase, type Db } from '../../core/db.ts';
import { createCatalog, systemPrincipal, type CatalogService } from '../index.ts';
import { collection, item } from '../testing.fixtures.ts';
import { loadStac } from './load.ts';
import { textBatches } from './stac-files.ts';
import { bundledWorkerCode } from './worker-code.ts';

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
  assert.deepEqual(seen, [26, 10, 10, 5, 1, -1]); // batches do not span files
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

it('cuts ndjson into batches at line ends, whatever the read chunk size', async () => {
  const lines = Array.from({ length: 23 }, (_, i) =>
    i % 7 === 3 ? '' : JSON.stringify({ n: i, pad: 'x'.repeat(i * 5) }),
  );
  const f = join(dir, 'cut.ndjson');
  writeFileSync(f, lines.join('\n')); // no line end after the last line
  for (const chunk of [7, 64, 1 << 20]) {
    const seen: string[] = [];
    for await (const b of textBatches([f], 5, chunk)) {
      const got = Buffer.from(b.bytes).toString('utf8').replace(/\n$/, '').split('\n');
      assert.equal(b.first, seen.length + 1, `chunk ${chunk}: first line of a batch`);
      assert.ok(got.length <= 5);
      seen.push(...got);
    }
    assert.deepEqual(seen, lines, `chunk ${chunk}`);
  }
});

it('stops at the first bad item: file, line, item and JSON path; earlier batches stay, its batch is not written', async () => {
  const extent = { spatial: { bbox: [[0, 0, 1, 1]] }, temporal: { interval: [[null, null]] } };
  await catalog.upsertCollection(p, collection('d', { extent }));
  const items = Array.from({ length: 35 }, (_, i) =>
    item(`x${i}`, { x: i, collection: 'd', props: { 'eo:cloud_cover': i, platform: `p${i % 3}` } }),
  );
  (items[26]!.properties as Record<string, unknown>)['datetime'] = 5;
  const f = join(dir, 'bad-later.ndjson');
  writeFileSync(f, items.map((i) => JSON.stringify(i)).join('\n') + '\n');
  await assert.rejects(loadStac(catalog, p, f, { upsert: false, batchSize: 10, workers: 2 }), (e: Error) => {
    const err = e as Error & { status: number; details: Record<string, unknown> };
    assert.equal(err.status, 400);
    assert.match(err.message, /bad-later\.ndjson:27: item "x26": .*\$\.properties\.datetime/);
    assert.match(err.message, /\(20 items committed before this batch\)/);
    assert.equal(err.details['line'], 27);
    assert.equal(err.details['path'], '$.properties.datetime');
    return true;
  });
  for (const id of ['x0', 'x19']) assert.equal((await catalog.getItem(p, 'd', id)).id, id);
  for (const id of ['x20', 'x25', 'x27', 'x34'])
    await assert.rejects(catalog.getItem(p, 'd', id), { status: 404 });
  const d = await catalog.getCollection(p, 'd');
  assert.deepEqual(d.extent.spatial.bbox[0], [0, 0, 20, 1]); // grown over the committed x0..x19
  assert.deepEqual(d.summaries, {
    'eo:cloud_cover': { minimum: 0, maximum: 19 },
    platform: ['p0', 'p1', 'p2'],
  });
  const r = await catalog.search(p, { collections: ['d'], limit: 100 });
  assert.equal(r.numberMatched, 20);
});

it('writes a batch holding items of two collections as one transaction', async () => {
  const f = join(dir, 'two.ndjson');
  const docs = [
    item('y1', { collection: 'd' }),
    item('y2', { collection: 'nope' }),
    item('y3', { collection: 'd' }),
  ];
  writeFileSync(f, docs.map((i) => JSON.stringify(i)).join('\n'));
  await assert.rejects(loadStac(catalog, p, f, { upsert: true, batchSize: 10, workers: 0 }), { status: 404 });
  await assert.rejects(catalog.getItem(p, 'd', 'y1'), { status: 404 });
  writeFileSync(f, readFileSync(f, 'utf8').replace('"nope"', '"d"'));
  const r = await loadStac(catalog, p, f, { upsert: true, batchSize: 10, workers: 0 });
  assert.equal(r.items, 3);
  assert.equal((await catalog.getItem(p, 'd', 'y2')).collection, 'd');
});

it("bundles the workers' code (so that they start without loading TypeScript)", () => {
  const code = bundledWorkerCode();
  assert.ok(code, 'esbuild could not bundle the worker');
  assert.match(code, /prepareUnit/);
  assert.doesNotMatch(code, /import\.meta\.dirname/);
});
