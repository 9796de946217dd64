/**
 * Pixels judged by GDAL: tiles of the shared test rasters (UTM, Web Mercator and geographic sources, with
 * nodata and alpha) against `gdalwarp -t_srs EPSG:3857 -te <tile bounds> -ts 256 256 -r near|bilinear`.
 *
 * Nearest: at least 99.9% of pixels identical (value and validity). Both sides approximate the projection
 * per row within 1/8 pixel (GDAL's default error threshold), so a pixel centre lying within that distance
 * of a source pixel edge may pick the neighbour; that is the only allowed difference.
 * Bilinear: mean absolute difference at most 0.5 and 98% of pixels within 1 grey level.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { fileSource, openRaster } from '../raster/index.ts';
import { transformBounds } from '../raster/warp/crs.ts';
import { datasetBounds, readWarped } from '../raster/warp/warp.ts';
import {
  tileBounds,
  tileRange,
  WebMercatorQuad,
  WorldCRS84Quad,
  type TileMatrixSet,
} from '../raster/tms/tms.ts';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/hub.ts';
import { gdalAvailable, gdalwarpTile } from './testing/gdal.ts';
import { RASTERS, uploadRasters } from './testing/fixtures.ts';

const skip = gdalAvailable() ? false : 'gdalwarp (Debian gdal-bin) is not installed';

async function centreTile(
  file: string,
  z: number,
  tms: TileMatrixSet = WebMercatorQuad,
): Promise<[number, number]> {
  const src = await fileSource(join(RASTERS, file));
  const ds = await openRaster(src);
  await src.close();
  const b = transformBounds(ds.crs!, { epsg: tms.epsg, definition: null }, datasetBounds(ds));
  const r = tileRange(tms, z, b)!;
  return [Math.floor((r[0] + r[2]) / 2), Math.floor((r[1] + r[3]) / 2)];
}

async function compare(
  file: string,
  z: number,
  method: 'nearest' | 'bilinear',
  tms: TileMatrixSet = WebMercatorQuad,
) {
  const src = await fileSource(join(RASTERS, file));
  try {
    const ds = await openRaster(src);
    const [x, y] = await centreTile(file, z, tms);
    const bounds = tileBounds(tms, z, x, y);
    const ours = await readWarped(
      ds,
      { crs: { epsg: tms.epsg, definition: null }, bounds, width: 256, height: 256 },
      { resampling: method },
    );
    assert.ok(ours, `${file} z${z}: tile ${x}/${y} should touch the data`);
    const colour = ds.bands.filter((b) => b.colorInterp !== 'alpha').length;
    const ref = gdalwarpTile(join(RASTERS, file), {
      tSrs: `EPSG:${tms.epsg}`,
      bounds,
      size: 256,
      resampling: method === 'nearest' ? 'near' : 'bilinear',
      bandCount: colour,
      dataType: ds.dataType === 'uint16' ? 'uint16' : 'uint8',
    });
    let identical = 0;
    let valid = 0;
    let within1 = 0;
    let sumDiff = 0;
    for (let i = 0; i < 65536; i++) {
      const a = ours.mask[i] ? 255 : 0;
      if (a !== ref.alpha[i]) continue;
      if (!a) {
        identical++;
        continue;
      }
      valid++;
      let same = true;
      let worst = 0;
      for (let b = 0; b < colour; b++) {
        const d = Math.abs(Math.round(ours.data[b]![i]!) - ref.bands[b]![i]!);
        worst = Math.max(worst, d);
        sumDiff += d;
        if (d !== 0) same = false;
      }
      if (same) identical++;
      if (worst <= 1) within1++;
    }
    return {
      identical: identical / 65536,
      valid,
      within1: within1 / Math.max(valid, 1),
      meanDiff: sumDiff / Math.max(valid * colour, 1),
    };
  } finally {
    await src.close();
  }
}

describe('tiles match gdalwarp', { skip, timeout: 180_000 }, () => {
  const nearest: Array<[string, number]> = [
    ['RGB.byte.tif', 8], // UTM 18N, nodata 0, downsampled
    ['RGB.byte.tif', 10], // UTM 18N, upsampled
    ['shade.tif', 12], // EPSG:3857, nodata 255
    ['shade.tif', 14],
    ['world.byte.tif', 3], // EPSG:4326
    ['world.byte.tif', 5],
    ['RGBA.uint16.tif', 16], // UTM 12N, uint16 with an alpha band
  ];
  for (const [file, z] of nearest) {
    test(`nearest: ${file} at zoom ${z}`, async () => {
      const r = await compare(file, z, 'nearest');
      assert.ok(r.valid > 1000, `${file}: only ${r.valid} valid pixels`);
      assert.ok(r.identical >= 0.999, `${file} z${z}: ${(r.identical * 100).toFixed(3)}% identical`);
    });
  }
  for (const [file, z] of [
    ['RGB.byte.tif', 7],
    ['shade.tif', 12],
  ] as const) {
    test(`nearest, WorldCRS84Quad (EPSG:4326 grid): ${file} at zoom ${z}`, async () => {
      const r = await compare(file, z, 'nearest', WorldCRS84Quad);
      assert.ok(r.valid > 1000, `${file}: only ${r.valid} valid pixels`);
      assert.ok(r.identical >= 0.999, `${file} z${z}: ${(r.identical * 100).toFixed(3)}% identical`);
    });
  }
  for (const [file, z] of [
    ['RGB.byte.tif', 10],
    ['shade.tif', 13],
    ['world.byte.tif', 5],
  ] as const) {
    test(`bilinear: ${file} at zoom ${z}`, async () => {
      const r = await compare(file, z, 'bilinear');
      assert.ok(r.meanDiff <= 0.5, `${file} z${z}: mean difference ${r.meanDiff}`);
      assert.ok(r.within1 >= 0.98, `${file} z${z}: ${(r.within1 * 100).toFixed(2)}% within 1`);
    });
  }
});

describe('through HTTP: PNG tiles and NDVI', { skip, timeout: 180_000 }, () => {
  let hub: TestHub;
  let dir: string;
  before(async () => {
    hub = await startTestHub();
    await uploadRasters(hub, 'rasters', ['RGB.byte.tif']);
    // A 4-band R, G, B, "NIR" raster: the shared rgb1_fake_nir_epsg3857.tif has a single band, so the test
    // makes its own from RGB.byte.tif with GDAL (NIR = the green band, which varies independently of red).
    dir = mkdtempSync(join(tmpdir(), 'terrahub-ndvi-'));
    execFileSync('gdal_translate', [
      '-q',
      '-b',
      '1',
      '-b',
      '2',
      '-b',
      '3',
      '-b',
      '2',
      '-co',
      'TILED=YES',
      join(RASTERS, 'RGB.byte.tif'),
      join(dir, 'rgbn.tif'),
    ]);
    const admin = hub.services.identity.tokens.authenticate(ADMIN_TOKEN)!;
    await hub.services.storage.putObject(admin, 'rasters', 'rgbn.tif', readFileSync(join(dir, 'rgbn.tif')));
  });
  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a PNG tile equals gdalwarp nearest, alpha included', async () => {
    const [x, y] = await centreTile('RGB.byte.tif', 9);
    const r = await hub.api(
      `/api/data/v1/cog/tiles/WebMercatorQuad/9/${x}/${y}.png?url=s3://rasters/RGB.byte.tif`,
    );
    assert.equal(r.status, 200);
    const { data } = await sharp(Buffer.from(await r.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const ref = gdalwarpTile(join(RASTERS, 'RGB.byte.tif'), {
      tSrs: 'EPSG:3857',
      bounds: tileBounds(WebMercatorQuad, 9, x, y),
      size: 256,
      resampling: 'near',
      bandCount: 3,
      dataType: 'uint8',
    });
    let same = 0;
    for (let i = 0; i < 65536; i++) {
      const ok = data[i * 4 + 3] === ref.alpha[i];
      const eq = ref.alpha[i] === 0 || [0, 1, 2].every((b) => data[i * 4 + b] === ref.bands[b]![i]);
      if (ok && eq) same++;
    }
    assert.ok(same / 65536 >= 0.999, `${same} of 65536 identical`);
  });

  test('NDVI expression equals values computed from GDAL-read bands', async () => {
    const [x, y] = await centreTile('RGB.byte.tif', 10);
    const expr = encodeURIComponent('(b4-b1)/(b4+b1)');
    const r = await hub.api(
      `/api/data/v1/cog/tiles/WebMercatorQuad/10/${x}/${y}.png?url=s3://rasters/rgbn.tif&expression=${expr}&rescale=-1,1`,
    );
    assert.equal(r.status, 200);
    const { data, info } = await sharp(Buffer.from(await r.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    // A grey+alpha PNG; sharp may hand it back expanded to RGBA.
    const ch = info.channels;
    assert.ok(ch === 2 || ch === 4, String(ch));
    const ref = gdalwarpTile(join(RASTERS, 'RGB.byte.tif'), {
      tSrs: 'EPSG:3857',
      bounds: tileBounds(WebMercatorQuad, 10, x, y),
      size: 256,
      resampling: 'near',
      bandCount: 3,
      dataType: 'uint8',
    });
    let checked = 0;
    let agree = 0;
    for (let i = 0; i < 65536; i++) {
      if (!ref.alpha[i] || !data[i * ch + ch - 1]) continue;
      const red = ref.bands[0]![i]!;
      const nir = ref.bands[1]![i]!;
      if (red + nir === 0) continue;
      const ndvi = (nir - red) / (nir + red);
      const expected = Math.round(((ndvi + 1) / 2) * 255);
      checked++;
      if (Math.abs(data[i * ch]! - expected) <= 1) agree++;
    }
    assert.ok(checked > 30000, `only ${checked} pixels checked`);
    assert.ok(agree / checked >= 0.999, `${agree} of ${checked} agree`);
    const pt = (await (
      await hub.api(`/api/data/v1/cog/point/-77.7,24.6?url=s3://rasters/rgbn.tif&expression=${expr}`)
    ).json()) as { values: number[] };
    const raw = (await (
      await hub.api(`/api/data/v1/cog/point/-77.7,24.6?url=s3://rasters/rgbn.tif`)
    ).json()) as {
      values: number[];
    };
    const [red, , , nir] = raw.values as [number, number, number, number];
    assert.ok(Math.abs(pt.values[0]! - (nir - red) / (nir + red)) < 1e-12);
  });
});
