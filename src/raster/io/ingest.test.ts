/**
 * `terrahub ingest` end to end on a real TerraHub (test harness): a folder of rasters goes into storage and the
 * catalog; a broken file fails alone; a re-run uploads nothing; the items are found by a STAC search; GDAL
 * reads a window of an ingested COG through the S3 endpoint (/vsis3/) as it reads the source.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { servicesIngestTarget } from '../../cli/commands/ingest.ts';
import type { Principal } from '../../core/identity/index.ts';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { gdalAvailable, SYSTEM_PYTHON, TESTDATA } from '../tiff/testing/gdal-oracle.ts';
import { createCogFile } from './create-cog.ts';
import { expandInputs, ingestFiles, type IngestOptions } from './ingest.ts';

const hasGdal = gdalAvailable();

describe('terrahub ingest', { skip: !hasGdal && 'GDAL is not installed' }, () => {
  let hub: TestHub;
  let token = '';
  const dir = mkdtempSync(join(tmpdir(), 'th-ingest-test-'));
  const inbox = join(dir, 'inbox');
  const opts: IngestOptions = {
    collection: 'my-rasters',
    bucket: 'my-rasters',
    createCollection: true,
    cog: { blockSize: 256 },
    datetime: () => '2024-05-01T00:00:00Z',
  };

  before(async () => {
    hub = await startTestHub();
    token = await hub.user('alice');
    mkdirSync(inbox);
    copyFileSync(join(TESTDATA, 'RGB.byte.tif'), join(inbox, 'rgb.tif'));
    copyFileSync(join(TESTDATA, 'byte.tif'), join(inbox, 'byte.tif'));
    await createCogFile(join(TESTDATA, 'shade.tif'), join(inbox, 'shade-cog.tif'), { blockSize: 256 });
    execFileSync('gdal_translate', [
      '-q',
      '-of',
      'HFA',
      join(TESTDATA, 'world.byte.tif'),
      join(inbox, 'world.img'),
    ]);
    writeFileSync(join(inbox, 'broken.tif'), 'II*\0 this is not really a TIFF');
  });
  after(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('ingests a folder: COGs untouched, TIFFs converted, other formats through gdal_translate, broken ones reported', async () => {
    const files = await expandInputs([inbox]);
    const results = await ingestFiles(files, opts, servicesIngestTarget(hub.services, 'alice'));
    const by = Object.fromEntries(results.map((r) => [r.file.split('/').pop(), r]));
    assert.equal(by['broken.tif']?.status, 'failed');
    assert.match(by['broken.tif']?.error ?? '', /not a valid TIFF/i);
    for (const f of ['rgb.tif', 'byte.tif', 'shade-cog.tif', 'world.img'])
      assert.equal(by[f]?.status, 'uploaded', `${f}: ${by[f]?.error}`);
    assert.equal(by['shade-cog.tif']?.converted, false);
    assert.equal(by['rgb.tif']?.converted, true);
    // A valid COG is stored byte for byte.
    const alice = {
      user: hub.services.identity.users.get('alice'),
      scopes: new Set(['storage']),
      tokenId: null,
    } as Principal;
    const stored = await hub.services.storage.openObject(alice, 'my-rasters', 'my-rasters/shade-cog.tif');
    const bytes = await stored.read(0, stored.size);
    assert.equal(
      createHash('sha256').update(bytes).digest('hex'),
      createHash('sha256')
        .update(readFileSync(join(inbox, 'shade-cog.tif')))
        .digest('hex'),
    );
  });

  test('a re-run uploads nothing new', async () => {
    const results = await ingestFiles(
      await expandInputs([inbox]),
      opts,
      servicesIngestTarget(hub.services, 'alice'),
    );
    for (const r of results.filter((x) => !x.file.endsWith('broken.tif')))
      assert.equal(r.status, 'unchanged', r.file);
  });

  test('the items are found by a STAC search, and the collection extent grew to hold them', async () => {
    const r = await hub.api('/api/stac/v1/search', {
      method: 'POST',
      token,
      body: JSON.stringify({ collections: ['my-rasters'], bbox: [-80, 20, -70, 30] }),
    });
    assert.equal(r.status, 200);
    const ids = ((await r.json()) as { features: { id: string }[] }).features.map((f) => f.id).sort();
    // RGB.byte.tif is off Florida; world.byte.tif covers the globe; byte.tif and shade.tif lie elsewhere.
    assert.deepEqual(ids, ['rgb', 'world']);
    const c = await hub.api('/api/stac/v1/collections/my-rasters', { token });
    const bbox = ((await c.json()) as { extent: { spatial: { bbox: number[][] } } }).extent.spatial.bbox[0]!;
    assert.ok(bbox[0]! <= -78.9 && bbox[2]! >= -76.6, JSON.stringify(bbox));
  });

  test('GDAL reads a window of an ingested COG through the S3 endpoint', async () => {
    // Asynchronous: the S3 endpoint answering GDAL runs in this process.
    const creds = hub.services.identity.users.credentials('alice');
    const s3 = new URL(hub.s3Url ?? '');
    const script =
      'import sys\nfrom osgeo import gdal\nds = gdal.Open(sys.argv[1])\nprint(ds.ReadAsArray(100, 200, 64, 32).tobytes().hex())\n';
    const env = {
      ...process.env,
      AWS_S3_ENDPOINT: s3.host,
      AWS_HTTPS: 'NO',
      AWS_VIRTUAL_HOSTING: 'FALSE',
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'us-east-1',
      GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
    };
    const remote = (
      await promisify(execFile)(SYSTEM_PYTHON, ['-c', script, '/vsis3/my-rasters/my-rasters/rgb.tif'], {
        env,
        encoding: 'utf8',
      })
    ).stdout;
    const local = execFileSync(SYSTEM_PYTHON, ['-c', script, join(TESTDATA, 'RGB.byte.tif')], {
      encoding: 'utf8',
    });
    assert.equal(remote, local);
  });
});
