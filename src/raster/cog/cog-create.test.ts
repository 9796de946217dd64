/**
 * `cog create` judged by GDAL: every test raster converted, then gdalinfo reads it, GDAL's COG validator
 * accepts it (full check of leaders and trailers), and GDAL reads from it the same pixels as from the source
 * (every band) and as from `gdal_translate -of COG -co RESAMPLING=NEAREST` (every overview and mask).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createCogFile } from '../io/create-cog.ts';
import { countDiffs, gdalAvailable, gdalDump, SYSTEM_PYTHON, TESTDATA } from '../tiff/testing/gdal-oracle.ts';
import type { DataType } from '../types.ts';
import type { CogOptions } from './options.ts';

const hasGdal = gdalAvailable();
const work = mkdtempSync(join(tmpdir(), 'th-cog-'));
after(() => rmSync(work, { recursive: true, force: true }));

export function validateWithGdal(path: string): { ok: boolean; output: string } {
  const r = spawnSync(
    SYSTEM_PYTHON,
    ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', path],
    {
      encoding: 'utf8',
    },
  );
  return {
    ok: r.status === 0 && r.stdout.includes('is a valid cloud optimized GeoTIFF'),
    output: r.stdout + r.stderr,
  };
}

const DT: Record<string, DataType> = {
  Byte: 'uint8',
  UInt16: 'uint16',
  Int16: 'int16',
  UInt32: 'uint32',
  Int32: 'int32',
  Float32: 'float32',
  Float64: 'float64',
};

async function convertAndJudge(source: string, name: string, opts: Partial<CogOptions>): Promise<void> {
  const out = join(work, `${name}.tif`);
  await createCogFile(source, out, opts);
  execFileSync('gdalinfo', [out], { stdio: 'ignore' });
  const v = validateWithGdal(out);
  assert.ok(v.ok, v.output);

  const blockSize = String(opts.blockSize ?? 512);
  const ref = join(work, `${name}.gdal.tif`);
  execFileSync('gdal_translate', [
    '-q',
    '-of',
    'COG',
    '-co',
    `BLOCKSIZE=${blockSize}`,
    '-co',
    'RESAMPLING=NEAREST',
    source,
    ref,
  ]);
  const ours = gdalDump(out);
  const src = gdalDump(source);
  const theirs = gdalDump(ref);
  try {
    const dt = DT[ours.meta.dtype] as DataType;
    assert.equal(ours.meta.dtype, src.meta.dtype);
    assert.deepEqual(
      [ours.meta.width, ours.meta.height, ours.meta.bands],
      [src.meta.width, src.meta.height, src.meta.bands],
    );
    assert.deepEqual(ours.meta.geotransform, src.meta.geotransform);
    assert.deepEqual(ours.meta.epsg, src.meta.epsg);
    assert.deepEqual(ours.meta.nodata, src.meta.nodata);
    assert.deepEqual(ours.meta.overviews, theirs.meta.overviews, 'overview sizes as GDAL makes them');
    assert.equal(ours.meta.mask_flags, src.meta.mask_flags);
    for (let b = 1; b <= ours.meta.bands; b++) {
      assert.equal(countDiffs(ours.band(b, 0, dt), src.band(b, 0, dt)), 0, `band ${b} full resolution`);
      for (let l = 1; l <= ours.meta.overviews.length; l++) {
        assert.equal(countDiffs(ours.band(b, l, dt), theirs.band(b, l, dt)), 0, `band ${b} overview ${l}`);
      }
    }
    for (let l = 0; l <= ours.meta.overviews.length; l++) {
      assert.equal(countDiffs(ours.mask(l), theirs.mask(l)), 0, `mask of level ${l}`);
    }
  } finally {
    ours.cleanup();
    src.cleanup();
    theirs.cleanup();
  }
}

describe('cog create, judged by GDAL', { skip: !hasGdal && 'GDAL (python3-gdal) is not installed' }, () => {
  for (const f of readdirSync(TESTDATA).filter((n) => n.endsWith('.tif'))) {
    test(`converts ${f} (defaults)`, () => convertAndJudge(join(TESTDATA, f), `${f}-default`, {}));
  }
  test('converts RGB.byte.tif with 128-pixel tiles, LZW and predictor 2 (3 overview levels)', () =>
    convertAndJudge(join(TESTDATA, 'RGB.byte.tif'), 'rgb-lzw', {
      blockSize: 128,
      compress: 'LZW',
      predictor: 'STANDARD',
    }));
  test('converts shade.tif with ZSTD and predictor 2', () =>
    convertAndJudge(join(TESTDATA, 'shade.tif'), 'shade-zstd', {
      blockSize: 256,
      compress: 'ZSTD',
      predictor: 'STANDARD',
    }));
  test('converts world.byte.tif (2880x1200) with 256-pixel tiles', () =>
    convertAndJudge(join(TESTDATA, 'world.byte.tif'), 'world-256', { blockSize: 256 }));
  test('converts RGBA.uint16.tif with 128-pixel tiles (alpha band kept)', () =>
    convertAndJudge(join(TESTDATA, 'RGBA.uint16.tif'), 'rgba-128', {
      blockSize: 128,
      predictor: 'STANDARD',
    }));
  test('converts float32 data with the floating point predictor', async () => {
    const big = join(work, 'float-src.tif');
    execFileSync('gdal_translate', [
      '-q',
      '-ot',
      'Float32',
      '-scale',
      '0',
      '255',
      '-1',
      '1',
      join(TESTDATA, 'shade.tif'),
      big,
    ]);
    await convertAndJudge(big, 'float-pred3', { blockSize: 256, predictor: 'FLOATING_POINT' });
  });
  test('keeps an internal mask, interleaved with the imagery', async () => {
    const masked = join(work, 'masked-src.tif');
    execFileSync('gdal_translate', [
      '-q',
      '--config',
      'GDAL_TIFF_INTERNAL_MASK',
      'YES',
      '-mask',
      '1',
      '-co',
      'TILED=YES',
      join(TESTDATA, 'RGB.byte.tif'),
      masked,
    ]);
    await convertAndJudge(masked, 'masked', { blockSize: 128 });
  });
  test('writes BigTIFF when asked', async () => {
    await convertAndJudge(join(TESTDATA, 'byte.tif'), 'bigtiff', { bigTiff: 'YES' });
  });
});
