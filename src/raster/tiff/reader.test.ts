/**
 * The TIFF reader against GDAL: every test raster, and variants of them that gdal_translate writes with each
 * compression, predictor, interleave, byte order and BigTIFF, read pixel for pixel as GDAL reads them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ChunkCache, fileSource, openRaster } from '../index.ts';
import type { ByteSource } from '../types.ts';
import { countDiffs, gdalAvailable, gdalDump, TESTDATA } from './testing/gdal-oracle.ts';

const hasGdal = gdalAvailable();
const work = mkdtempSync(join(tmpdir(), 'th-reader-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Compares everything GDAL reports about `path` with what openRaster reads; `tolerance` for lossy codecs. */
async function compareWithGdal(path: string, tolerance = 0): Promise<void> {
  const gd = gdalDump(path);
  const src = await fileSource(path);
  try {
    const ds = await openRaster(src);
    const m = gd.meta;
    assert.equal(ds.width, m.width);
    assert.equal(ds.height, m.height);
    assert.equal(ds.bandCount, m.bands);
    assert.equal(ds.dataType, m.dtype.toLowerCase().replace('byte', 'uint8'));
    assert.deepEqual(ds.crs?.epsg ?? null, m.epsg);
    if (m.geotransform) {
      assert.ok(ds.geoTransform);
      ds.geoTransform.forEach((v, i) =>
        assert.ok(Math.abs(v - (m.geotransform?.[i] ?? NaN)) < 1e-9, `geotransform[${i}]`),
      );
    }
    if (m.nodata === null) assert.equal(ds.bands[0]?.nodata, null);
    else assert.ok(Object.is(ds.bands[0]?.nodata, m.nodata) || ds.bands[0]?.nodata === m.nodata);
    assert.deepEqual(
      ds.levels.slice(1).map((l) => [l.width, l.height]),
      m.overviews,
    );
    for (let level = 0; level < ds.levels.length; level++) {
      const lv = ds.levels[level]!;
      const window = { x: 0, y: 0, width: lv.width, height: lv.height };
      const { data, mask } = await ds.read({ level, window, mask: true });
      for (let b = 1; b <= ds.bandCount; b++) {
        const ours = data[b - 1]!;
        const theirs = gd.band(b, level, ds.dataType);
        if (tolerance === 0) assert.equal(countDiffs(ours, theirs), 0, `band ${b} level ${level} differs`);
        else {
          let worst = 0;
          for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
          assert.ok(worst <= tolerance, `band ${b} level ${level}: max difference ${worst}`);
        }
      }
      // GDAL's mask of band 1 (flags 8 = nodata, 2 = per dataset/alpha or internal mask).
      if (tolerance === 0 && (m.mask_flags === 2 || (m.mask_flags === 8 && ds.bandCount === 1))) {
        assert.equal(countDiffs(mask!, gd.mask(level)), 0, `mask level ${level}`);
      }
    }
  } finally {
    await src.close();
    gd.cleanup();
  }
}

describe('TIFF reader against GDAL', { skip: !hasGdal && 'GDAL (python3-gdal) is not installed' }, () => {
  const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.tif'));
  for (const f of files) {
    test(`reads ${f} as GDAL does`, () => compareWithGdal(join(TESTDATA, f)));
  }

  const variants: [string, string, string[], number?][] = [
    [
      'zstd + predictor 2, band interleaved, BigTIFF',
      'RGBA.uint16.tif',
      [
        '-co',
        'COMPRESS=ZSTD',
        '-co',
        'PREDICTOR=2',
        '-co',
        'INTERLEAVE=BAND',
        '-co',
        'BIGTIFF=YES',
        '-co',
        'TILED=YES',
      ],
    ],
    [
      'LZW + predictor 2, big-endian',
      'RGB.byte.tif',
      ['-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=2', '-co', 'ENDIANNESS=BIG'],
    ],
    [
      'deflate + predictor 3 on float32, big-endian',
      'float_raster_with_nodata.tif',
      ['-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=3', '-co', 'ENDIANNESS=BIG'],
    ],
    [
      'LZW + predictor 3 on float64, tiled',
      'float_raster_with_nodata.tif',
      [
        '-ot',
        'Float64',
        '-co',
        'COMPRESS=LZW',
        '-co',
        'PREDICTOR=3',
        '-co',
        'TILED=YES',
        '-co',
        'BLOCKXSIZE=16',
        '-co',
        'BLOCKYSIZE=16',
      ],
    ],
    ['PackBits, int16', 'shade.tif', ['-ot', 'Int16', '-co', 'COMPRESS=PACKBITS']],
    ['int32 strips', 'byte.tif', ['-ot', 'Int32', '-co', 'COMPRESS=DEFLATE', '-co', 'ZLEVEL=9']],
    [
      'uint32, zstd tiled with predictor 2',
      'shade.tif',
      ['-ot', 'UInt32', '-co', 'COMPRESS=ZSTD', '-co', 'PREDICTOR=2', '-co', 'TILED=YES'],
    ],
    [
      'JPEG YCbCr',
      'RGB.byte.tif',
      ['-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES'],
      3,
    ],
    ['JPEG gray', 'shade.tif', ['-co', 'COMPRESS=JPEG', '-co', 'TILED=YES'], 3],
    [
      'WebP lossless',
      'RGB.byte.tif',
      ['-co', 'COMPRESS=WEBP', '-co', 'WEBP_LOSSLESS=YES', '-co', 'TILED=YES'],
    ],
    ['LERC (lossless), pixel interleaved', 'RGB.byte.tif', ['-co', 'COMPRESS=LERC', '-co', 'TILED=YES']],
    [
      'LERC + DEFLATE, float32, band interleaved',
      'shade.tif',
      ['-ot', 'Float32', '-co', 'COMPRESS=LERC_DEFLATE', '-co', 'INTERLEAVE=BAND'],
    ],
    ['LERC + ZSTD, uint16', 'RGBA.uint16.tif', ['-co', 'COMPRESS=LERC_ZSTD', '-co', 'TILED=YES']],
    [
      'internal mask with overviews (COG)',
      'RGB.byte.tif',
      ['-of', 'COG', '-mask', '1', '-co', 'BLOCKSIZE=256'],
    ],
  ];
  for (const [name, file, opts, tol] of variants) {
    test(`reads ${name} as GDAL does`, async () => {
      const out = join(work, `${name.replace(/\W+/g, '_')}.tif`);
      execFileSync('gdal_translate', ['-q', ...opts, join(TESTDATA, file), out]);
      await compareWithGdal(out, tol ?? 0);
    });
  }
});

describe('TIFF reader reads by ranges', () => {
  test('opening and reading one tile touches the header and that tile only', async () => {
    const path = join(TESTDATA, 'shade.tif');
    const inner = await fileSource(path);
    let bytesRead = 0;
    const counting: ByteSource = {
      size: inner.size,
      id: inner.id,
      read: (o, l) => {
        bytesRead += l;
        return inner.read(o, l);
      },
    };
    try {
      const ds = await openRaster(counting);
      await ds.read({ level: 0, window: { x: 0, y: 0, width: 10, height: 10 } });
      assert.ok(bytesRead < statSync(path).size / 2, `read ${bytesRead} of ${statSync(path).size} bytes`);
    } finally {
      await inner.close();
    }
  });

  test('datasets sharing a block cache decode a block once; another source id is another block', async () => {
    const path = join(TESTDATA, 'shade.tif');
    const inner = await fileSource(path);
    let reads = 0;
    const counting = (id: string): ByteSource => ({
      size: inner.size,
      id,
      read: (o, l) => {
        reads++;
        return inner.read(o, l);
      },
    });
    const blocks = new ChunkCache(16 * 1024 * 1024);
    const window = { x: 300, y: 300, width: 20, height: 20 };
    try {
      const a = await openRaster(counting('shade#1'), { blockCache: blocks });
      const first = await a.read({ level: 0, window });
      assert.ok(blocks.size > 0);
      const b = await openRaster(counting('shade#1'), { blockCache: blocks });
      reads = 0;
      const again = await b.read({ level: 0, window });
      assert.equal(reads, 0, 'the second dataset found the decoded block');
      assert.deepEqual(again.data, first.data);
      const c = await openRaster(counting('shade#2'), { blockCache: blocks });
      reads = 0;
      assert.deepEqual((await c.read({ level: 0, window })).data, first.data);
      assert.ok(reads > 0, 'a new ETag (source id) reads its own blocks');
    } finally {
      await inner.close();
    }
  });

  test('a window partly outside the raster is filled with nodata and masked', async () => {
    const src = await fileSource(join(TESTDATA, 'RGB.byte.tif'));
    try {
      const ds = await openRaster(src);
      const { data, mask } = await ds.read({
        level: 0,
        window: { x: -5, y: -5, width: 10, height: 10 },
        bands: [1],
        mask: true,
      });
      assert.equal(data.length, 1);
      assert.equal(data[0]![0], 0);
      assert.equal(mask![0], 0);
    } finally {
      await src.close();
    }
  });

  test('a band out of range is a clear error', async () => {
    const src = await fileSource(join(TESTDATA, 'byte.tif'));
    try {
      const ds = await openRaster(src);
      await assert.rejects(
        ds.read({ level: 0, window: { x: 0, y: 0, width: 1, height: 1 }, bands: [2] }),
        /No band 2/,
      );
    } finally {
      await src.close();
    }
  });
});
