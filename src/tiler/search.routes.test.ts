/**
 * STAC items and mosaics: two overlapping items cut from world.byte.tif with GDAL (the second with inverted
 * values), drawn through /collections/.../items/... and through a registered search, and checked against
 * gdalwarp's rendering of each item.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { tileBounds, WebMercatorQuad } from '../raster/tms/tms.ts';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/hub.ts';
import { RASTERS } from './testing/fixtures.ts';
import { gdalAvailable, gdalwarpTile } from './testing/gdal.ts';

const skip = gdalAvailable() ? false : 'gdalwarp (Debian gdal-bin) is not installed';
const API = '/api/data/v1';

function item(id: string, lon0: number, lon1: number, datetime: string) {
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    id,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [lon0, -22.5],
          [lon1, -22.5],
          [lon1, 52.5],
          [lon0, 52.5],
          [lon0, -22.5],
        ],
      ],
    },
    bbox: [lon0, -22.5, lon1, 52.5],
    properties: { datetime },
    links: [],
    assets: { data: { href: `s3://mosaic/${id}.tif`, type: 'image/tiff; application=geotiff' } },
  };
}

async function grey(r: Response): Promise<{ v: Uint8Array; a: Uint8Array }> {
  assert.equal(r.status, 200, await r.clone().text());
  const { data, info } = await sharp(Buffer.from(await r.arrayBuffer()))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ch = info.channels;
  const v = new Uint8Array(65536);
  const a = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) {
    v[i] = data[i * ch]!;
    a[i] = data[i * ch + ch - 1]!;
  }
  return { v, a };
}

describe('items and mosaics', { skip, timeout: 180_000 }, () => {
  let hub: TestHub;
  let dir: string;
  const ref = (name: string, z: number, x: number, y: number) =>
    gdalwarpTile(join(dir, `${name}.tif`), {
      tSrs: 'EPSG:3857',
      bounds: tileBounds(WebMercatorQuad, z, x, y),
      size: 256,
      resampling: 'near',
      bandCount: 1,
      dataType: 'uint8',
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terrahub-mosaic-'));
    const src = join(RASTERS, 'world.byte.tif');
    // a: longitudes -55..45; b: -5..95 with values inverted (255 - v), so every method gives another answer.
    execFileSync('gdal_translate', [
      '-q',
      '-srcwin',
      '1000',
      '300',
      '800',
      '600',
      '-co',
      'TILED=YES',
      src,
      join(dir, 'a.tif'),
    ]);
    execFileSync('gdal_translate', [
      '-q',
      '-srcwin',
      '1400',
      '300',
      '800',
      '600',
      '-scale',
      '0',
      '255',
      '255',
      '0',
      '-co',
      'TILED=YES',
      src,
      join(dir, 'b.tif'),
    ]);
    hub = await startTestHub();
    const admin = hub.services.identity.tokens.authenticate(ADMIN_TOKEN)!;
    await hub.services.storage.createBucket(admin, 'mosaic');
    for (const n of ['a', 'b'])
      await hub.services.storage.putObject(admin, 'mosaic', `${n}.tif`, readFileSync(join(dir, `${n}.tif`)));
    await hub.services.catalog.upsertCollection(admin, {
      type: 'Collection',
      stac_version: '1.0.0',
      id: 'world',
      description: 'two overlapping cuts of world.byte.tif',
      license: 'CC0-1.0',
      extent: { spatial: { bbox: [[-55, -22.5, 95, 52.5]] }, temporal: { interval: [[null, null]] } },
      links: [],
    });
    await hub.services.catalog.upsertItems(admin, 'world', [
      item('a', -55, 45, '2024-01-02T00:00:00Z'),
      item('b', -5, 95, '2024-01-01T00:00:00Z'),
    ]);
  });
  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an item asset is drawn like its COG; missing assets are 404; expressions use asset names', async () => {
    const got = await grey(
      await hub.api(`${API}/collections/world/items/a/tiles/WebMercatorQuad/4/8/7.png?assets=data`),
    );
    const want = ref('a', 4, 8, 7);
    let same = 0;
    for (let i = 0; i < 65536; i++) if (got.v[i] === want.bands[0]![i] && got.a[i] === want.alpha[i]) same++;
    assert.ok(same / 65536 >= 0.999, `${same} identical`);
    const missing = await hub.api(
      `${API}/collections/world/items/a/tiles/WebMercatorQuad/4/8/7.png?assets=nope`,
    );
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'TH_TILER_ASSET_NOT_FOUND');
    const expr = await grey(
      await hub.api(
        `${API}/collections/world/items/a/tiles/WebMercatorQuad/4/8/7.png?expression=${encodeURIComponent('255-data')}`,
      ),
    );
    for (let i = 0; i < 65536; i += 997) if (want.alpha[i]) assert.equal(expr.v[i], 255 - want.bands[0]![i]!);
    const info = (await (await hub.api(`${API}/collections/world/items/a/info`)).json()) as Record<
      string,
      { width: number }
    >;
    assert.equal(info['data']?.width, 800);
    const noItem = await hub.api(`${API}/collections/world/items/zzz/info`);
    assert.equal(noItem.status, 404);
  });

  test('a registered search mosaics the overlapping items with each pixel selection', async () => {
    const reg = await hub.api(`${API}/searches/register`, {
      method: 'POST',
      body: JSON.stringify({ collections: ['world'], sortby: [{ field: 'id', direction: 'asc' }] }),
    });
    assert.equal(reg.status, 200, await reg.clone().text());
    const { id, links } = (await reg.json()) as { id: string; links: Array<{ rel: string; href: string }> };
    assert.ok(links.some((l) => l.rel === 'tilejson'));
    const again = (await (
      await hub.api(`${API}/searches/register`, {
        method: 'POST',
        body: JSON.stringify({ sortby: [{ field: 'id', direction: 'asc' }], collections: ['world'] }),
      })
    ).json()) as { id: string };
    assert.equal(again.id, id, 'the same search has the same id');

    const a = ref('a', 4, 8, 7);
    const b = ref('b', 4, 8, 7);
    const tile = (sel: string, extra = '') =>
      hub.api(
        `${API}/searches/${id}/tiles/WebMercatorQuad/4/8/7.png?assets=data&pixel_selection=${sel}${extra}`,
      );
    const expect: Record<string, (x: number, y: number) => number> = {
      first: (x) => x,
      highest: (x, y) => Math.max(x, y),
      lowest: (x, y) => Math.min(x, y),
      mean: (x, y) => (x + y) / 2,
      median: (x, y) => (x + y) / 2,
    };
    for (const [sel, f] of Object.entries(expect)) {
      const got = await grey(await tile(sel));
      let checked = 0;
      let ok = 0;
      for (let i = 0; i < 65536; i++) {
        if (!a.alpha[i] || !b.alpha[i]) continue;
        checked++;
        if (Math.abs(got.v[i]! - f(a.bands[0]![i]!, b.bands[0]![i]!)) <= 0.5) ok++;
      }
      assert.ok(checked > 60000, `${sel}: ${checked} overlapping pixels`);
      assert.ok(ok / checked >= 0.999, `${sel}: ${ok} of ${checked}`);
    }
    // Capped at one item, the mean is the first item alone.
    const capped = await grey(await tile('mean', '&items_limit=1'));
    for (let i = 0; i < 65536; i += 101) if (a.alpha[i]) assert.equal(capped.v[i], a.bands[0]![i]);

    const outside = await hub.api(`${API}/searches/${id}/tiles/WebMercatorQuad/4/0/0.png?assets=data`);
    assert.equal(outside.status, 404);
    const tj = (await (
      await hub.api(`${API}/searches/${id}/WebMercatorQuad/tilejson.json?assets=data`)
    ).json()) as {
      tiles: string[];
    };
    assert.match(
      tj.tiles[0]!,
      new RegExp(`/searches/${id}/tiles/WebMercatorQuad/\\{z\\}/\\{x\\}/\\{y\\}\\?assets=data`),
    );
    assert.equal((await hub.api(`${API}/searches/nope/info`)).status, 404);
    const bad = await hub.api(`${API}/searches/register`, {
      method: 'POST',
      body: JSON.stringify({ filter: { op: '??' } }),
    });
    assert.equal(bad.status, 400);
  });
});
