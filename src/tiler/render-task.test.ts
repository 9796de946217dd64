/**
 * The render task's one-pass path (nearest 8/16-bit bands straight to bytes through lookup tables) against
 * the general path (Float64 bands, then render()): the same bytes for every kind of tile it takes, and
 * fully transparent tiles encoded once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { fileSource, openRaster } from '../raster/index.ts';
import { tileBounds, tileRange, WebMercatorQuad } from '../raster/tms/tms.ts';
import { EPSG_3857, transformBounds } from '../raster/warp/crs.ts';
import { datasetBounds, finishWarp, windowPixelMap } from '../raster/warp/warp.ts';
import type { PixelArray, RasterDataset, Window } from '../raster/types.ts';
import { tileGrid } from './geometry.ts';
import { parseRenderParams, type Query } from './params.ts';
import { applyExpression, cogInput, readForTask, renderPixels } from './pipeline.ts';
import { RASTERS } from './testing/fixtures.ts';
import { RenderPool } from './workers/pool.ts';
import { renderNearestBytes, runRenderTask, taskTransfers, type RenderTask } from './workers/render.task.ts';

/** The task for tile z/x/y of `ds` with `query`. */
async function taskAt(ds: RasterDataset, z: number, x: number, y: number, query: Query): Promise<RenderTask> {
  const p = parseRenderParams(query);
  const grid = tileGrid(WebMercatorQuad, z, x, y, 256);
  const inputs = await readForTask([cogInput(ds, p)], grid, p);
  return { inputs, width: 256, height: 256, query, format: 'png' };
}

/** The task for the tile at the centre of `ds` at zoom `z`, with `query`. */
async function taskFor(ds: RasterDataset, z: number, query: Query): Promise<RenderTask> {
  const r = tileRange(WebMercatorQuad, z, transformBounds(ds.crs!, EPSG_3857, datasetBounds(ds)))!;
  return taskAt(ds, z, Math.floor((r[0] + r[2]) / 2), Math.floor((r[1] + r[3]) / 2), query);
}

/** The general path's image for a task (as the render task draws anything it cannot take in one pass). */
function generalImage(t: RenderTask) {
  const inp = t.inputs[0]!;
  const p = parseRenderParams(t.query);
  const r = finishWarp(inp.plan!, inp.data, inp.mask);
  const names = inp.names;
  return renderPixels(
    applyExpression({ names, data: r.data, mask: r.mask, width: 256, height: 256 }, p.expression),
    p,
  );
}

/** A synthetic dataset in EPSG:3857 over z10 tile 300/400, with nodata -9999 on its left quarter. */
function syntheticDataset(dataType: 'int16' | 'float32' = 'int16'): RasterDataset {
  const b = tileBounds(WebMercatorQuad, 10, 300, 400);
  const w = 300;
  const values = new Int16Array(w * w);
  for (let i = 0; i < values.length; i++) values[i] = i % w < 75 ? -9999 : ((i * 37) % 6000) - 3000;
  return {
    width: w,
    height: w,
    bandCount: 1,
    dataType,
    crs: { epsg: 3857, definition: null },
    geoTransform: [b[0], (b[2] - b[0]) / w, 0, b[3], 0, -(b[3] - b[1]) / w],
    bands: [{ description: null, nodata: -9999, scale: null, offset: null, colorInterp: 'gray' }],
    levels: [{ width: w, height: w, tileWidth: 256, tileHeight: 256 }],
    hasMask: false,
    async read(o: { window: Window }): Promise<{ data: PixelArray[]; mask: Uint8Array | null }> {
      const { x, y, width, height } = o.window;
      const out = (
        dataType === 'int16' ? new Int16Array(width * height) : new Float32Array(width * height)
      ).fill(-9999);
      for (let r = 0; r < height; r++)
        for (let c = 0; c < width; c++)
          if (x + c >= 0 && y + r >= 0 && x + c < w && y + r < w)
            out[r * width + c] = values[(y + r) * w + x + c]!;
      return { data: [out], mask: null };
    },
  };
}

describe('render task, one pass', () => {
  const cases: Array<[string, number, Query]> = [
    ['RGB.byte.tif', 8, {}], // uint8 RGB, nodata 0, downsampled from an overview-less file
    ['RGB.byte.tif', 10, { rescale: '20,180' }],
    ['RGB.byte.tif', 11, { rescale: ['0,255', '10,100', '50,50'], return_mask: 'false' }],
    ['shade.tif', 13, { rescale: '50,200' }], // uint8 grey, nodata 255
    ['RGBA.uint16.tif', 16, { bidx: '1,2,3', rescale: '0,4000' }], // uint16 with an alpha band (mask)
    ['RGBA.uint16.tif', 16, { bidx: '2' }], // uint16 without rescale: clipped to 0..255
  ];
  for (const [file, z, query] of cases) {
    test(`${file} z${z} ${JSON.stringify(query)}: the same bytes as the general path`, async () => {
      const src = await fileSource(join(RASTERS, file));
      try {
        const t = await taskFor(await openRaster(src), z, query);
        const fast = renderNearestBytes(t, parseRenderParams(query));
        assert.ok(fast, 'the one-pass path takes this tile');
        const ref = generalImage(t);
        assert.equal(fast.channels, ref.channels);
        assert.ok(ref.pixels.some((v) => v !== 0) && ref.pixels.some((v) => v === 0), 'a mixed tile');
        assert.deepEqual(Buffer.from(fast.pixels), Buffer.from(ref.pixels));
      } finally {
        await src.close();
      }
    });
  }

  test('int16 with nodata and a rescale across zero: the same bytes as the general path', async () => {
    const ds = syntheticDataset();
    const t = await taskAt(ds, 10, 300, 400, { rescale: '-3000,3000' });
    const fast = renderNearestBytes(t, parseRenderParams(t.query))!;
    const ref = generalImage(t);
    assert.deepEqual(Buffer.from(fast.pixels), Buffer.from(ref.pixels));
    assert.ok(
      ref.pixels.some((v, i) => i % 2 === 1 && v === 0),
      'the nodata quarter is transparent',
    );
  });

  test('expressions, colormaps, bilinear and float data take the general path', async () => {
    const src = await fileSource(join(RASTERS, 'RGB.byte.tif'));
    try {
      const ds = await openRaster(src);
      for (const q of [
        { expression: 'b1*2' },
        { colormap_name: 'viridis', bidx: '1' },
        { resampling: 'bilinear' },
      ]) {
        const t = await taskFor(ds, 10, q);
        assert.equal(renderNearestBytes(t, parseRenderParams(q)), null, JSON.stringify(q));
        const png = await runRenderTask(t);
        assert.ok(png && png.byteLength > 100, 'the general path still draws it');
      }
    } finally {
      await src.close();
    }
    const floats = await taskAt(syntheticDataset('float32'), 10, 300, 400, {});
    assert.ok(floats.inputs[0]!.plan);
    assert.equal(renderNearestBytes(floats, parseRenderParams({})), null);
  });

  test('a tile of nodata only is a fully transparent PNG, the same bytes every time', async () => {
    const ds = syntheticDataset();
    // The synthetic raster is z10 tile 300/400; its z12 tile 1200/1600 covers its left quarter: nodata.
    const all = await Promise.all(
      [0, 1].map(async () => runRenderTask(await taskAt(ds, 12, 1200, 1600, {}))),
    );
    const pngs = all.filter((a): a is Uint8Array => a !== null);
    assert.equal(pngs.length, 2);
    assert.deepEqual(Buffer.from(pngs[0]!), Buffer.from(pngs[1]!));
    const { data, info } = await sharp(Buffer.from(pngs[0]!)).raw().toBuffer({ resolveWithObject: true });
    // A grey+alpha PNG; sharp may hand it back expanded to RGBA.
    assert.ok(info.channels === 2 || info.channels === 4, String(info.channels));
    assert.ok(data.every((v) => v === 0));
  });

  test('a render worker draws the same bytes as the event loop, with or without pixel maps made beforehand', async () => {
    const src = await fileSource(join(RASTERS, 'RGB.byte.tif'));
    const pool = new RenderPool(1);
    try {
      const ds = await openRaster(src);
      for (const q of [{}, { rescale: '0,200', bidx: '2' }, { expression: 'b1-b2', rescale: '-50,50' }]) {
        const here = await runRenderTask(await taskFor(ds, 10, q));
        const t = await taskFor(ds, 10, q);
        const premade = await runRenderTask(t, [windowPixelMap(t.inputs[0]!.plan!)]);
        const w = await taskFor(ds, 10, q);
        const there = await pool.run(w, taskTransfers(w.inputs));
        assert.ok(here && premade && there, JSON.stringify(q));
        assert.deepEqual(Buffer.from(premade), Buffer.from(here), JSON.stringify(q));
        assert.deepEqual(Buffer.from(there), Buffer.from(here), JSON.stringify(q));
      }
    } finally {
      await pool.close();
      await src.close();
    }
  });
});
