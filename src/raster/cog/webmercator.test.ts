/**
 * `cog create --to-webmercator` against GDAL's `gdal_translate -of COG -co TILING_SCHEME=GoogleMapsCompatible
 * -co RESAMPLING=NEAREST` (nearest for the warp and the overviews) on a UTM, a NAD27 UTM and a Web Mercator
 * source: the same zoom, geotransform, size, bands (an alpha band where the source has no nodata) and
 * overviews; at least 99.9% of the pixels of every band and level equal (measured: 99.97% to 100%; the rest
 * are pixels whose centre falls within rounding of a source pixel edge); and GDAL's validator accepts it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createCogFile } from '../io/create-cog.ts';
import { countDiffs, gdalAvailable, gdalDump, SYSTEM_PYTHON, TESTDATA } from '../tiff/testing/gdal-oracle.ts';
import type { DataType } from '../types.ts';

const work = mkdtempSync(join(tmpdir(), 'th-webmerc-'));
after(() => rmSync(work, { recursive: true, force: true }));

const DTYPE: Record<string, DataType> = { Byte: 'uint8', UInt16: 'uint16' };

describe('cog create --to-webmercator', { skip: !gdalAvailable() && 'GDAL is not installed' }, () => {
  for (const [file, bands] of [
    ['RGB.byte.tif', 3],
    ['byte.tif', 2],
    ['shade.tif', 1],
  ] as const) {
    test(`${file} matches GDAL's GoogleMapsCompatible COG`, async () => {
      const ours = join(work, `${file}.th.tif`);
      const gdal = join(work, `${file}.gdal.tif`);
      await createCogFile(join(TESTDATA, file), ours, { toWebMercator: true, warpResampling: 'nearest' });
      execFileSync('gdal_translate', [
        '-q',
        '-of',
        'COG',
        '-co',
        'TILING_SCHEME=GoogleMapsCompatible',
        '-co',
        'RESAMPLING=NEAREST',
        join(TESTDATA, file),
        gdal,
      ]);
      const a = gdalDump(ours);
      const b = gdalDump(gdal);
      try {
        assert.equal(a.meta.epsg, 3857);
        assert.deepEqual(a.meta.geotransform, b.meta.geotransform);
        assert.deepEqual([a.meta.width, a.meta.height, a.meta.bands], [b.meta.width, b.meta.height, bands]);
        assert.equal(b.meta.bands, bands);
        assert.deepEqual(a.meta.overviews, b.meta.overviews);
        assert.equal(a.meta.nodata, b.meta.nodata);
        const dt = DTYPE[a.meta.dtype]!;
        for (let band = 1; band <= bands; band++) {
          for (let level = 0; level <= a.meta.overviews.length; level++) {
            const x = a.band(band, level, dt);
            const diff = countDiffs(x, b.band(band, level, dt));
            assert.ok(
              diff / x.length <= 0.001,
              `${file} band ${band} level ${level}: ${diff} of ${x.length} differ`,
            );
          }
        }
      } finally {
        a.cleanup();
        b.cleanup();
      }
      execFileSync(SYSTEM_PYTHON, [
        '-m',
        'osgeo_utils.samples.validate_cloud_optimized_geotiff',
        '--full-check=yes',
        ours,
      ]);
    });
  }
});
