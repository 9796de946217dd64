import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { uploadRasters } from './testing/fixtures.ts';

const API = '/api/data/v1';
const FILES = ['RGB.byte.tif', 'shade.tif', 'world.byte.tif', 'rgb1_fake_nir_epsg3857.tif', 'float32.tif'];

describe('data API: /cog', { timeout: 120_000 }, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
    await uploadRasters(hub, 'rasters', FILES);
    await hub.services.storage.putObject(
      hub.services.identity.tokens.authenticate('th_test_admin_token_0123456789abcdefghij')!,
      'rasters',
      'corrupt.tif',
      Buffer.from('II*\0garbage that is not a tiff at all'),
    );
  });
  after(async () => {
    await hub.close();
  });
  const url = (f: string) => `url=${encodeURIComponent(`s3://rasters/${f}`)}`;

  test('info describes the COG with TiTiler field names', async () => {
    const r = await hub.api(`${API}/cog/info?${url('RGB.byte.tif')}`);
    assert.equal(r.status, 200);
    const info = (await r.json()) as Record<string, unknown>;
    assert.equal(info['width'], 791);
    assert.equal(info['count'], 3);
    assert.equal(info['dtype'], 'uint8');
    assert.match(String(info['crs']), /32618/);
    const gb = info['geographic_bounds'] as number[];
    assert.ok(gb[0]! < -77 && gb[2]! > -78.5 && gb[1]! > 23 && gb[3]! < 26, String(gb));
    assert.equal(typeof info['maxzoom'], 'number');
  });

  test('a tile is a PNG with ETag and Cache-Control; If-None-Match gives 304', async () => {
    const path = `${API}/cog/tiles/WebMercatorQuad/9/145/219.png?${url('RGB.byte.tif')}`;
    const r = await hub.api(path);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.match(r.headers.get('cache-control') ?? '', /max-age=\d+/);
    const etag = r.headers.get('etag');
    assert.ok(etag);
    const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels], [256, 256, 4]);
    const again = await hub.api(path, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  test('@2x and tilesize=512 give 512 px tiles; webp and jpeg formats', async () => {
    for (const [p, w, type] of [
      [`9/145/219@2x.png`, 512, 'image/png'],
      [`9/145/219.webp`, 256, 'image/webp'],
      [`9/145/219.jpg`, 256, 'image/jpeg'],
    ] as const) {
      const r = await hub.api(`${API}/cog/tiles/WebMercatorQuad/${p}?${url('RGB.byte.tif')}`);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('content-type'), type);
      const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
      assert.equal(meta.width, w, p);
    }
    const r = await hub.api(`${API}/cog/tiles/WebMercatorQuad/9/145/219?tilesize=512&${url('RGB.byte.tif')}`);
    assert.equal((await sharp(Buffer.from(await r.arrayBuffer())).metadata()).width, 512);
  });

  test('errors: outside 404, bad expression 400 naming the token, corrupt 422, not georeferenced 422', async () => {
    const outside = await hub.api(`${API}/cog/tiles/WebMercatorQuad/9/0/0.png?${url('RGB.byte.tif')}`);
    assert.equal(outside.status, 404);
    assert.equal(((await outside.json()) as { code: string }).code, 'TH_TILER_OUTSIDE_DATA');
    const expr = await hub.api(
      `${API}/cog/tiles/WebMercatorQuad/9/145/219.png?${url('RGB.byte.tif')}&expression=${encodeURIComponent('(b1-b2)/(b1+$)')}`,
    );
    assert.equal(expr.status, 400);
    const body = (await expr.json()) as { code: string; message: string };
    assert.equal(body.code, 'TH_TILER_BAD_EXPRESSION');
    assert.match(body.message, /"\$"/);
    const unknownBand = await hub.api(`${API}/cog/point/-77.5,24.5?${url('RGB.byte.tif')}&expression=b9*2`);
    assert.equal(unknownBand.status, 400);
    const corrupt = await hub.api(`${API}/cog/info?${url('corrupt.tif')}`);
    assert.equal(corrupt.status, 422);
    const noGeo = await hub.api(`${API}/cog/tiles/WebMercatorQuad/1/0/0.png?${url('float32.tif')}`);
    assert.equal(noGeo.status, 422);
    const missing = await hub.api(`${API}/cog/info?${url('nope.tif')}`);
    assert.equal(missing.status, 404);
    const tms = await hub.api(`${API}/cog/tiles/Nope/1/0/0.png?${url('RGB.byte.tif')}`);
    assert.equal(tms.status, 404);
    const badParam = await hub.api(
      `${API}/cog/tiles/WebMercatorQuad/9/145/219.png?${url('RGB.byte.tif')}&rescale=a,b`,
    );
    assert.equal(badParam.status, 400);
  });

  test('no SSRF: other hosts are refused unless allow-listed', async () => {
    for (const u of [
      'http://169.254.169.254/latest/meta-data',
      'file:///etc/passwd',
      'http://127.0.0.1:22/x.tif',
    ]) {
      const r = await hub.api(`${API}/cog/info?url=${encodeURIComponent(u)}`);
      assert.equal(r.status, 400, u);
      assert.equal(((await r.json()) as { code: string }).code, 'TH_TILER_URL_NOT_ALLOWED');
    }
  });

  test("access follows the caller's storage rights", async () => {
    const other = await hub.user('mallory');
    const r = await hub.api(`${API}/cog/info?${url('RGB.byte.tif')}`, { token: other });
    assert.equal(r.status, 403);
    const anon = await hub.api(`${API}/cog/tiles/WebMercatorQuad/9/145/219.png?${url('RGB.byte.tif')}`, {
      token: null,
    });
    assert.ok(anon.status === 401 || anon.status === 403, String(anon.status));
  });

  test('point values, statistics, preview and bbox', async () => {
    const pt = (await (
      await hub.api(`${API}/cog/point/-78.0,24.5?${url('rgb1_fake_nir_epsg3857.tif')}`)
    ).json()) as {
      values: number[];
      band_names: string[];
    };
    // The shared README says 4 bands; the file has one (gdalinfo agrees).
    assert.deepEqual(pt.band_names, ['b1']);
    assert.equal(typeof pt.values[0], 'number');
    const st = (await (await hub.api(`${API}/cog/statistics?${url('shade.tif')}`)).json()) as Record<
      string,
      { min: number; max: number; valid_percent: number; histogram: number[][] }
    >;
    assert.ok(st['b1']);
    assert.ok(st['b1'].max <= 254 && st['b1'].min >= 0);
    assert.equal(st['b1'].histogram[0]!.length, 10);
    const pv = await hub.api(`${API}/cog/preview.png?max_size=128&${url('world.byte.tif')}`);
    assert.equal(pv.status, 200);
    const meta = await sharp(Buffer.from(await pv.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [128, 53]);
    const bb = await hub.api(`${API}/cog/bbox/-10,-10,10,10/64x64.webp?${url('world.byte.tif')}`);
    assert.equal(bb.status, 200);
    assert.equal((await sharp(Buffer.from(await bb.arrayBuffer())).metadata()).width, 64);
    const colored = await hub.api(
      `${API}/cog/preview.png?max_size=64&colormap_name=viridis&rescale=0,255&${url('shade.tif')}`,
    );
    assert.equal((await sharp(Buffer.from(await colored.arrayBuffer())).metadata()).channels, 4);
  });

  test('rendering parameters: return_mask, colormap JSON, nodata, cubic, bidx, tif', async () => {
    const tile = `${API}/cog/tiles/WebMercatorQuad/9/145/219`;
    const decode = async (r: Response) => {
      assert.equal(r.status, 200, await r.clone().text());
      return sharp(Buffer.from(await r.arrayBuffer()))
        .raw()
        .toBuffer({ resolveWithObject: true });
    };
    const noMask = await decode(await hub.api(`${tile}.png?${url('RGB.byte.tif')}&return_mask=false`));
    assert.equal(noMask.info.channels, 3);
    const classes = encodeURIComponent(JSON.stringify({ 1: [255, 0, 0, 255] }));
    const cm = await decode(
      await hub.api(
        `${tile}.png?${url('RGB.byte.tif')}&expression=${encodeURIComponent('b1>0')}&colormap=${classes}`,
      ),
    );
    let red = 0;
    for (let i = 0; i < cm.data.length; i += 4) if (cm.data[i] === 255 && cm.data[i + 1] === 0) red++;
    assert.ok(red > 30000, `${red} red pixels`);
    // With nodata=1 instead of 0, the black collar around the scene becomes data: more opaque pixels.
    const alpha = (d: Buffer) => d.filter((_, i) => i % 4 === 3 && d[i] === 255).length;
    const edge = `${API}/cog/tiles/WebMercatorQuad/8/72/109.png?${url('RGB.byte.tif')}`;
    const own = await decode(await hub.api(edge));
    const over = await decode(await hub.api(`${edge}&nodata=1`));
    assert.ok(alpha(over.data) > alpha(own.data) + 1000, `${alpha(over.data)} vs ${alpha(own.data)}`);
    const cubic = await decode(await hub.api(`${tile}.webp?${url('RGB.byte.tif')}&resampling=cubic&bidx=3`));
    assert.equal(cubic.info.width, 256);
    const tif = await hub.api(`${tile}.tif?${url('RGB.byte.tif')}`);
    assert.equal(tif.headers.get('content-type'), 'image/tiff');
    const bad = await hub.api(`${tile}.png?${url('RGB.byte.tif')}&resampling=lanczos9`);
    assert.equal(bad.status, 400);
    const badCm = await hub.api(`${tile}.png?${url('RGB.byte.tif')}&colormap_name=nope`);
    assert.equal(badCm.status, 400);
  });

  test('many concurrent tiles over one COG all succeed and equal the same tiles fetched one by one', async () => {
    const paths: string[] = [];
    for (let x = 835; x <= 838; x++)
      for (let y = 1555; y <= 1558; y++)
        paths.push(
          `${API}/cog/tiles/WebMercatorQuad/12/${x}/${y}.png?${url('shade.tif')}&resampling=bilinear`,
        );
    paths.push(...paths.map((p) => p.replace('resampling=bilinear', 'resampling=nearest')));
    const together = await Promise.all(paths.map(async (p) => hub.api(p)));
    const statuses = together.map((r) => r.status);
    const bodies = await Promise.all(together.map(async (r) => Buffer.from(await r.arrayBuffer())));
    for (let i = 0; i < paths.length; i++) {
      const alone = await hub.api(paths[i]!);
      assert.equal(alone.status, statuses[i], paths[i]);
      if (alone.status === 200)
        assert.ok(Buffer.from(await alone.arrayBuffer()).equals(bodies[i]!), paths[i]);
    }
    assert.ok(statuses.every((s) => s === 200 || s === 404));
    // 4 of the 16 tiles per method cover the raster.
    assert.equal(statuses.filter((s) => s === 200).length, 8, statuses.join(','));
  });

  test('tiles rendered on the event loop (tiler.workers=0) equal those of the render workers', async () => {
    const inline = await startTestHub({ 'tiler.workers': 0 });
    try {
      await uploadRasters(inline, 'rasters', ['RGB.byte.tif']);
      for (const q of [
        '',
        '&expression=b1*2-b2&rescale=0,255&colormap_name=terrain',
        '&resampling=bilinear&bidx=3,2,1',
      ]) {
        const path = `${API}/cog/tiles/WebMercatorQuad/9/145/219.png?${url('RGB.byte.tif')}${q}`;
        const a = Buffer.from(await (await hub.api(path)).arrayBuffer());
        const b = Buffer.from(await (await inline.api(path)).arrayBuffer());
        const [ra, rb] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
        assert.ok(ra.length > 0 && ra.equals(rb), q);
      }
    } finally {
      await inline.close();
    }
  });

  test('tilejson, tile matrix sets, colormaps, map page and MapLibre assets', async () => {
    const tj = (await (
      await hub.api(`${API}/cog/WebMercatorQuad/tilejson.json?${url('RGB.byte.tif')}&rescale=0,200`)
    ).json()) as {
      tiles: string[];
      bounds: number[];
      minzoom: number;
      maxzoom: number;
    };
    assert.match(
      tj.tiles[0]!,
      /\/api\/data\/v1\/cog\/tiles\/WebMercatorQuad\/\{z\}\/\{x\}\/\{y\}\?url=.*rescale=0%2C200/,
    );
    assert.ok(tj.maxzoom >= 8 && tj.maxzoom <= 10, String(tj.maxzoom));
    const plain = (await (await hub.api(`${API}/cog/tilejson.json?${url('RGB.byte.tif')}`)).json()) as {
      tiles: string[];
    };
    assert.match(plain.tiles[0]!, /\/api\/data\/v1\/cog\/tiles\/WebMercatorQuad\/\{z\}/);
    const sets = (await (await hub.api(`${API}/tileMatrixSets`)).json()) as {
      tileMatrixSets: Array<{ id: string }>;
    };
    assert.deepEqual(sets.tileMatrixSets.map((t) => t.id).sort(), ['WebMercatorQuad', 'WorldCRS84Quad']);
    const crs84 = await hub.api(`${API}/cog/tiles/WorldCRS84Quad/2/3/1.png?${url('world.byte.tif')}`);
    assert.equal(crs84.status, 200);
    const cms = (await (await hub.api(`${API}/colorMaps`)).json()) as { colorMaps: string[] };
    assert.ok(cms.colorMaps.includes('terrain'));
    const page = await hub.api(`${API}/cog/WebMercatorQuad/map.html?${url('RGB.byte.tif')}`);
    assert.match(await page.text(), /maplibre-gl\.js/);
    const js = await hub.api(`${API}/static/maplibre-gl.js`);
    assert.equal(js.status, 200);
    assert.ok((await js.arrayBuffer()).byteLength > 100_000);
  });
});
