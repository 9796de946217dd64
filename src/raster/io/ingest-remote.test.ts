/**
 * `terrahub ingest --url`: into a running TerraHub over HTTP. A COG larger than a part goes up as a parallel
 * multipart upload; an interrupted upload of the same key is resumed (the part already there is not sent
 * again); the items are found by a search, the collection's extent holds them, and a re-run uploads nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { encodeGeoTiff } from '../../envs/demo/geotiff.ts';
import { TerraHubClient } from '../../sdk/client.ts';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { TESTDATA } from '../tiff/testing/gdal-oracle.ts';
import { createCogFile } from './create-cog.ts';
import { ingestFiles, type IngestOptions } from './ingest.ts';
import { remoteIngestTarget, s3ClientFor } from './ingest-remote.ts';

const MIB = 1024 * 1024;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Counts the S3 commands a client sends, by name. */
function countCommands(s3: S3Client): Map<string, number> {
  const seen = new Map<string, number>();
  s3.middlewareStack.add(
    (next, ctx) => (args) => {
      const name = String(ctx.commandName);
      seen.set(name, (seen.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize' },
  );
  return seen;
}

describe('terrahub ingest --url (remote, multipart)', () => {
  let hub: TestHub;
  let th: TerraHubClient;
  let token = '';
  const dir = mkdtempSync(join(tmpdir(), 'th-ingest-remote-'));
  const big = join(dir, 'noise.tif');
  const opts: IngestOptions = {
    collection: 'remote-rasters',
    bucket: 'remote-rasters',
    createCollection: true,
    cog: {},
    datetime: () => '2024-06-01T00:00:00Z',
  };

  before(async () => {
    hub = await startTestHub({ 'envs.demoData': false });
    token = await hub.user('alice');
    th = new TerraHubClient({ url: hub.url, token });
    // Noise, uncompressed: a COG of 2048x2048 uint16 with overviews is over 10 MiB, three 5 MiB parts.
    const data = new Uint16Array(2048 * 2048);
    let x = 12345;
    for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 16;
    writeFileSync(
      join(dir, 'src.tif'),
      encodeGeoTiff({ width: 2048, height: 2048, data, west: 10, north: 50, pixel: 0.001 }),
    );
    await createCogFile(join(dir, 'src.tif'), big, { compress: 'NONE' });
  });
  after(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('resumes an interrupted multipart upload, sending only the missing parts', async () => {
    const bytes = readFileSync(big);
    const parts = Math.ceil(bytes.length / (5 * MIB));
    assert.ok(parts >= 2, String(bytes.length));
    const s3 = await s3ClientFor(th);
    try {
      // An earlier run that stopped after its first part.
      await s3.send(new CreateBucketCommand({ Bucket: opts.bucket }));
      const key = 'remote-rasters/noise.tif';
      const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: opts.bucket, Key: key }));
      await s3.send(
        new UploadPartCommand({
          Bucket: opts.bucket,
          Key: key,
          UploadId: up.UploadId,
          PartNumber: 1,
          Body: bytes.subarray(0, 5 * MIB),
        }),
      );
      const sent = countCommands(s3);
      let progress = 0;
      const target = remoteIngestTarget(th, s3, {
        partSize: 5 * MIB,
        concurrency: 2,
        onBytes: (n) => (progress += n),
      });
      const [r] = await ingestFiles([big], opts, target);
      assert.equal(r?.status, 'uploaded', r?.error);
      assert.equal(r?.converted, false);
      assert.equal(sent.get('UploadPartCommand'), parts - 1, JSON.stringify([...sent]));
      assert.equal(sent.get('CompleteMultipartUploadCommand'), 1);
      assert.equal(progress, bytes.length);
      const got = await s3.send(new GetObjectCommand({ Bucket: opts.bucket, Key: key }));
      const stored = await got.Body!.transformToByteArray();
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      assert.equal(sha(stored), sha(bytes));
      assert.equal(got.Metadata?.['sha256'], sha(bytes));

      // A re-run finds the same sha256 and uploads nothing.
      const again = countCommands(s3);
      const [r2] = await ingestFiles(
        [big],
        opts,
        remoteIngestTarget(th, s3, { partSize: 5 * MIB, concurrency: 2 }),
      );
      assert.equal(r2?.status, 'unchanged');
      assert.equal(again.get('UploadPartCommand') ?? 0, 0);
      assert.equal(again.get('PutObjectCommand') ?? 0, 0);
    } finally {
      s3.destroy();
    }
  });

  test('the item is found by a search and the collection extent holds it', async () => {
    const page = await th.request<{
      features: Array<{ id: string; assets: Record<string, { href: string }> }>;
    }>('/api/stac/v1/search', {
      method: 'POST',
      body: { collections: ['remote-rasters'], bbox: [10.5, 48.5, 11, 49] },
    });
    assert.deepEqual(
      page.features.map((f) => f.id),
      ['noise'],
    );
    assert.equal(page.features[0]!.assets['data']?.href, 's3://remote-rasters/remote-rasters/noise.tif');
    const c = await th.request<{
      extent: { spatial: { bbox: number[][] }; temporal: { interval: string[][] } };
    }>('/api/stac/v1/collections/remote-rasters');
    const b = c.extent.spatial.bbox[0]!.map((v) => Math.round(v * 1000) / 1000);
    assert.deepEqual(b, [10, 47.952, 12.048, 50]);
    assert.equal(c.extent.temporal.interval[0]![0]?.slice(0, 10), '2024-06-01');
  });

  test('the CLI ingests over HTTP with TERRAHUB_TOKEN', async () => {
    copyFileSync(join(TESTDATA, 'byte.tif'), join(dir, 'byte.tif'));
    const r = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'bin/terrahub.js'),
        'ingest',
        join(dir, 'byte.tif'),
        '--collection',
        'remote-rasters',
        '--url',
        hub.url,
      ],
      { encoding: 'utf8', timeout: 180_000, env: { ...process.env, TERRAHUB_TOKEN: token } },
    );
    assert.match(
      r.stdout,
      /uploaded +.*byte\.tif -> s3:\/\/remote-rasters\/remote-rasters\/byte\.tif \(converted\)/,
    );
    assert.match(r.stdout, /1 uploaded, 0 unchanged, 0 failed/);
    const item = await th.request<{ id: string }>('/api/stac/v1/collections/remote-rasters/items/byte');
    assert.equal(item.id, 'byte');
  });
});
