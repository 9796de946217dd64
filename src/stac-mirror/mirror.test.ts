/**
 * `terrahub mirror` from one real TerraHub to another: the collection, the items (paged one by one through
 * POST `next` links) and their COG assets arrive; copied assets read back byte for byte through the second
 * hub's S3 endpoint; an item whose asset is missing fails alone; a re-run copies nothing; --bbox and --limit
 * cut the slice; and the CLI does the same into a fresh data directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { servicesIngestTarget } from '../cli/commands/ingest.ts';
import { servicesMirrorTarget } from '../cli/commands/mirror.ts';
import { expandInputs, ingestFiles } from '../raster/io/ingest.ts';
import { createCogFile } from '../raster/io/create-cog.ts';
import { TESTDATA } from '../raster/tiff/testing/gdal-oracle.ts';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { mirror } from './mirror.ts';
import { StacSource } from './stac-source.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
type Json = Record<string, unknown>;
const quiet = { 'envs.demoData': false };

describe('terrahub mirror', () => {
  let a: TestHub;
  let b: TestHub;
  let aliceToken = '';
  const work = mkdtempSync(join(tmpdir(), 'th-mirror-test-'));

  before(async () => {
    [a, b] = await Promise.all([startTestHub(quiet), startTestHub(quiet)]);
    aliceToken = await a.user('alice');
    await b.services.identity.users.create({ name: 'bob', admin: false, groups: [] });
    // The source: three COGs ingested by alice into a private collection and bucket of hub A.
    await createCogFile(join(TESTDATA, 'RGB.byte.tif'), join(work, 'rgb.tif'), { blockSize: 256 });
    await createCogFile(join(TESTDATA, 'byte.tif'), join(work, 'byte.tif'), { blockSize: 256 });
    await createCogFile(join(TESTDATA, 'shade.tif'), join(work, 'shade.tif'), { blockSize: 256 });
    const results = await ingestFiles(
      await expandInputs([join(work, 'rgb.tif'), join(work, 'byte.tif'), join(work, 'shade.tif')]),
      {
        collection: 'scenes',
        bucket: 'scenes-src',
        createCollection: true,
        cog: {},
        datetime: () => '2024-05-01T00:00:00Z',
      },
      servicesIngestTarget(a.services, 'alice'),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['uploaded', 'uploaded', 'uploaded'],
    );
    // A fourth item whose asset is not in storage: it must fail alone.
    const byte = (await (
      await a.api('/api/stac/v1/collections/scenes/items/byte', { token: aliceToken })
    ).json()) as Json;
    const broken = structuredClone(byte);
    broken['id'] = 'zz-missing-asset';
    (broken['assets'] as Record<string, Json>)['data']!['href'] = 's3://scenes-src/scenes/nothing-here.tif';
    const put = await a.api('/api/stac/v1/collections/scenes/items', {
      method: 'POST',
      token: aliceToken,
      body: JSON.stringify(broken),
    });
    assert.equal(put.status, 201, await put.text());
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  const source = () => new StacSource(`${a.url}/api/stac/v1`, aliceToken);

  test('copies the collection, the items and their assets; one missing asset fails alone', async () => {
    const s = await mirror(source(), servicesMirrorTarget(b.services, 'bob'), {
      collections: ['scenes'],
      copyAssets: true,
      pageSize: 1,
      batchSize: 2,
    });
    assert.deepEqual(s.collectionsCreated, ['scenes']);
    const by = Object.fromEntries(s.items.map((r) => [r.id, r]));
    assert.deepEqual(Object.keys(by).sort(), ['byte', 'rgb', 'shade', 'zz-missing-asset']);
    for (const id of ['byte', 'rgb', 'shade']) {
      assert.equal(by[id]!.status, 'mirrored', by[id]!.error);
      assert.equal(by[id]!.copied, 1);
    }
    assert.equal(by['zz-missing-asset']!.status, 'failed');
    assert.match(by['zz-missing-asset']!.error ?? '', /asset "data".*404/);

    const bobToken = b.services.identity.tokens.create(b.services.identity.users.get('bob'), {}).token;
    const creds = b.services.identity.users.credentials('bob');
    const s3 = new S3Client({
      endpoint: b.s3Url ?? '',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    });
    try {
      for (const id of ['byte', 'rgb', 'shade']) {
        const src = (await (
          await a.api(`/api/stac/v1/collections/scenes/items/${id}`, { token: aliceToken })
        ).json()) as Json;
        const got = (await (
          await b.api(`/api/stac/v1/collections/scenes/items/${id}`, { token: bobToken })
        ).json()) as Json;
        assert.deepEqual(got['properties'], src['properties']);
        assert.deepEqual(got['geometry'], src['geometry']);
        assert.deepEqual(got['bbox'], src['bbox']);
        const asset = (got['assets'] as Record<string, Json>)['data']!;
        assert.equal(asset['href'], `s3://scenes/scenes/${id}/data.tif`);
        // The copy, read through hub B's S3 endpoint, is the file that was ingested into hub A.
        const obj = await s3.send(new GetObjectCommand({ Bucket: 'scenes', Key: `scenes/${id}/data.tif` }));
        const bytes = await obj.Body!.transformToByteArray();
        const sha = (x: Uint8Array) => createHash('sha256').update(x).digest('hex');
        assert.equal(sha(bytes), sha(readFileSync(join(work, `${id}.tif`))), id);
      }
    } finally {
      s3.destroy();
    }
  });

  test('a re-run copies no asset again', async () => {
    let bytes = 0;
    const s = await mirror(source(), servicesMirrorTarget(b.services, 'bob'), {
      collections: ['scenes'],
      copyAssets: true,
      onBytes: (n) => (bytes += n),
    });
    const ok = s.items.filter((r) => r.status === 'mirrored');
    assert.equal(ok.length, 3);
    assert.deepEqual(
      ok.map((r) => [r.copied, r.unchanged]),
      [
        [0, 1],
        [0, 1],
        [0, 1],
      ],
    );
    assert.ok(bytes > 0);
    assert.deepEqual(s.collectionsCreated, []);
  });

  test('--bbox and --limit cut the slice', async () => {
    const ids = async (q: { bbox?: number[]; limit?: number }) => {
      const out: string[] = [];
      for await (const it of source().items({ collections: ['scenes'], pageSize: 1, ...q }))
        out.push(String(it['id']));
      return out.sort();
    };
    // RGB.byte.tif lies off Florida; the others elsewhere.
    assert.deepEqual(await ids({ bbox: [-80, 20, -70, 30] }), ['rgb']);
    assert.equal((await ids({ limit: 2 })).length, 2);
    assert.equal((await ids({})).length, 4);
  });

  test('the CLI mirrors into a data directory, and the source is told apart from bad usage', async () => {
    const dataDir = join(work, 'data');
    const run = async (args: string[], env: Record<string, string> = {}) => {
      try {
        const r = await promisify(execFile)(
          process.execPath,
          [join(ROOT, 'bin/terrahub.js'), '--data-dir', dataDir, ...args],
          { encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } },
        );
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (e) {
        const x = e as { code?: number; stdout?: string; stderr?: string };
        return { code: x.code ?? -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
      }
    };
    assert.equal((await run(['user', 'add', 'carol'])).code, 0);
    const url = `${a.url}/api/stac/v1`;
    const bad = await run(['mirror', url, '--collections', 'scenes', '--limit', 'x', '--user', 'carol']);
    assert.equal(bad.code, 2, bad.stderr);
    const denied = await run(['mirror', url, '--collections', 'scenes', '--user', 'carol']);
    assert.equal(denied.code, 1, denied.stderr);
    assert.match(denied.stderr, /collections\/scenes: HTTP 40[14]/);
    const r = await run(
      [
        'mirror',
        url,
        '--collections',
        'scenes',
        '--bbox',
        '-80,20,-70,30',
        '--copy-assets',
        '--user',
        'carol',
      ],
      { MIRROR_TOKEN: aliceToken },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created collection\(s\): scenes/);
    assert.match(r.stdout, /1 item\(s\) mirrored, 0 failed; assets: 1 copied, 0 unchanged/);
  });
});

describe('StacSource on a GET-only STAC API', () => {
  test('falls back to GET /search and follows GET next links with the same parameters', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${url.pathname}${url.search}`);
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'GET') {
        res.statusCode = 405;
        res.end(JSON.stringify({ code: 'MethodNotAllowed', description: 'GET only' }));
        return;
      }
      const page = Number(url.searchParams.get('token') ?? '1');
      const features = [1, 2].map((i) => ({ id: `p${page}-${i}`, collection: 'c' }));
      const next = new URL(url);
      next.searchParams.set('token', String(page + 1));
      const links =
        page < 3 ? [{ rel: 'next', href: `http://${req.headers.host}${next.pathname}${next.search}` }] : [];
      res.end(JSON.stringify({ type: 'FeatureCollection', features, links, numberMatched: 6 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const src = new StacSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
      const ids: string[] = [];
      for await (const it of src.items({ collections: ['c'], bbox: [1, 2, 3, 4], pageSize: 2, limit: 5 }))
        ids.push(String(it['id']));
      assert.deepEqual(ids, ['p1-1', 'p1-2', 'p2-1', 'p2-2', 'p3-1']);
      assert.equal(src.matched, 5);
      assert.equal(seen[0], 'POST /v1/search');
      assert.equal(seen[1], 'GET /v1/search?collections=c&limit=2&bbox=1%2C2%2C3%2C4');
      assert.equal(seen.length, 4);
    } finally {
      server.close();
    }
  });
});
