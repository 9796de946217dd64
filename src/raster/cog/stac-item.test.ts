/**
 * `stac create-item`: items pass the STAC schemas (the catalog's validator with the shipped extension
 * schemas), their bbox matches GDAL's WGS84 extent, footprints crossing the antimeridian are split, and the
 * command line writes checksums and dates from file names.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { validateItem } from '../../catalog/validate.ts';
import { fileSource, openRaster } from '../index.ts';
import { gdalAvailable, TESTDATA } from '../tiff/testing/gdal-oracle.ts';
import { createStacItem, datetimeFromFilename, type StacItemDoc } from './stac-item.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const work = mkdtempSync(join(tmpdir(), 'th-item-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function itemFor(path: string): Promise<StacItemDoc> {
  const src = await fileSource(path);
  try {
    return await createStacItem(await openRaster(src), {
      id: 'x',
      href: path,
      datetime: '2020-01-01T00:00:00Z',
    });
  } finally {
    await src.close();
  }
}

describe('stac create-item', () => {
  for (const f of [
    'RGB.byte.tif',
    'RGBA.uint16.tif',
    'shade.tif',
    'world.rgb.tif',
    'rgb1_fake_nir_epsg3857.tif',
    'byte.tif',
  ]) {
    test(`an item for ${f} passes the STAC schemas`, async () => {
      const item = await itemFor(join(TESTDATA, f));
      validateItem(JSON.parse(JSON.stringify(item)));
      assert.ok(item.stac_extensions.some((e) => e.includes('/projection/')));
      assert.equal((item.assets['data']?.['raster:bands'] as unknown[]).length > 0, true);
    });
  }

  test(
    "the bbox of RGB.byte.tif holds GDAL's WGS84 corners, within 0.01 degree",
    { skip: !gdalAvailable() && 'no GDAL' },
    async () => {
      const item = await itemFor(join(TESTDATA, 'RGB.byte.tif'));
      const info = JSON.parse(
        execFileSync('gdalinfo', ['-json', join(TESTDATA, 'RGB.byte.tif')], { encoding: 'utf8' }),
      ) as {
        wgs84Extent: { coordinates: number[][][] };
      };
      const pts = info.wgs84Extent.coordinates[0]!;
      const xs = pts.map((p) => p[0]!);
      const ys = pts.map((p) => p[1]!);
      const gdal = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      item.bbox.forEach((v, i) =>
        assert.ok(Math.abs(v - gdal[i]!) < 0.01, `bbox[${i}] ${v} vs GDAL ${gdal[i]}`),
      );
      assert.equal(item.properties['proj:code'], 'EPSG:32618');
      assert.deepEqual(item.properties['proj:shape'], [718, 791]);
      const bands = item.assets['data']?.['eo:bands'] as { common_name: string }[];
      assert.deepEqual(
        bands.map((b) => b.common_name),
        ['red', 'green', 'blue'],
      );
    },
  );

  for (const [name, proj] of [
    [
      'transverse mercator in US feet',
      '+proj=tmerc +lat_0=30 +lon_0=-117.5 +k=0.9998 +x_0=150000 +y_0=20000 +ellps=GRS80 +units=us-ft',
    ],
    [
      'Lambert conformal conic',
      '+proj=lcc +lat_1=20 +lat_2=60 +lat_0=40 +lon_0=-96 +x_0=0 +y_0=0 +datum=NAD83 +units=m',
    ],
    [
      'Albers equal area',
      '+proj=aea +lat_1=29.5 +lat_2=45.5 +lat_0=23 +lon_0=-96 +x_0=0 +y_0=0 +ellps=GRS80 +units=m',
    ],
  ] as const) {
    test(
      `the footprint of a raster in a user-defined ${name} (GeoKeys, no EPSG code) matches GDAL's`,
      { skip: !gdalAvailable() && 'no GDAL' },
      async () => {
        const p = join(work, `${name.replace(/\W+/g, '-')}.tif`);
        execFileSync('gdalwarp', ['-q', '-t_srs', proj, join(TESTDATA, 'byte.tif'), p]);
        const src = await fileSource(p);
        try {
          assert.equal((await openRaster(src)).crs?.epsg, null, 'GDAL wrote a user-defined CRS');
        } finally {
          await src.close();
        }
        const item = await itemFor(p);
        assert.equal(item.properties['proj:code'], null);
        const info = JSON.parse(execFileSync('gdalinfo', ['-json', p], { encoding: 'utf8' })) as {
          wgs84Extent: { coordinates: number[][][] };
        };
        const pts = info.wgs84Extent.coordinates[0]!;
        const xs = pts.map((q) => q[0]!);
        const ys = pts.map((q) => q[1]!);
        const gdal = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
        // About 10 m: the datum shift PROJ strings do not carry stays below this here (NAD83 vs WGS84).
        item.bbox.forEach((v, i) =>
          assert.ok(Math.abs(v - gdal[i]!) < 1e-4, `bbox[${i}] ${v} vs GDAL ${gdal[i]}`),
        );
        validateItem(JSON.parse(JSON.stringify(item)));
      },
    );
  }

  test(
    'a footprint across the antimeridian is split into two polygons',
    { skip: !gdalAvailable() && 'no GDAL' },
    async () => {
      // UTM zone 60N: its central meridian is 177E, so eastings beyond ~834 km at the equator lie past 180.
      const p = join(work, 'antimeridian.tif');
      execFileSync('gdal_translate', [
        '-q',
        '-a_srs',
        'EPSG:32660',
        '-a_ullr',
        '700000',
        '300000',
        '1000000',
        '0',
        join(TESTDATA, 'byte.tif'),
        p,
      ]);
      const item = await itemFor(p);
      assert.equal(item.geometry.type, 'MultiPolygon');
      assert.ok(item.bbox[0] > item.bbox[2], `bbox crosses: ${JSON.stringify(item.bbox)}`);
      assert.ok(item.bbox[0] > 178 && item.bbox[2] < -178);
      validateItem(JSON.parse(JSON.stringify(item)));
    },
  );

  test('dates from file names', () => {
    assert.equal(datetimeFromFilename('S2A_20230415_B04.tif', '%Y%m%d'), '2023-04-15T00:00:00Z');
    assert.equal(
      datetimeFromFilename('scene_2021-06-01T101530.tif', '%Y-%m-%dT%H%M%S'),
      '2021-06-01T10:15:30Z',
    );
    assert.equal(datetimeFromFilename('LC08_2020032.tif', '%Y%j'), '2020-02-01T00:00:00Z');
    assert.equal(datetimeFromFilename('nodate.tif', '%Y%m%d'), null);
  });

  test('the command writes the item with size, checksum and the date of the file name', () => {
    const out = join(work, 'item.json');
    const src = join(TESTDATA, 'RGB.byte.tif');
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/terrahub.js'),
        'stac',
        'create-item',
        src,
        '--collection',
        'landsat',
        '--datetime-from-filename',
        'RGB',
        '-o',
        out,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 2, 'a pattern without %Y is a usage error');
    const ok = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/terrahub.js'),
        'stac',
        'create-item',
        src,
        '--collection',
        'landsat',
        '--datetime',
        '2019-07-01T10:00:00Z',
        '-o',
        out,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(ok.status, 0, ok.stderr);
    const item = JSON.parse(readFileSync(out, 'utf8')) as StacItemDoc;
    assert.equal(item.id, 'RGB.byte');
    assert.equal(item.collection, 'landsat');
    assert.equal(item.properties['datetime'], '2019-07-01T10:00:00Z');
    const sha = createHash('sha256').update(readFileSync(src)).digest('hex');
    assert.equal(item.assets['data']?.['file:checksum'], `1220${sha}`);
    assert.equal(item.assets['data']?.['file:size'], readFileSync(src).length);
  });
});
