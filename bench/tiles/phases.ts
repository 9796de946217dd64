/**
 * Benchmark helper: where one tile's time goes, without HTTP. Draws the tiles of a bench URL list (as
 * bench/tiles/run.sh writes them) in this process, one at a time, through the same steps as a render task
 * (plan, block reads, then the worker's half: mapping, resampling, rendering, encoding), and prints the mean
 * wall milliseconds of each step and the CPU milliseconds per tile. The COGs are read from local files (the
 * server reads them through storage); decoded blocks are cached as in the server.
 * Usage: tsx bench/tiles/phases.ts URLS_FILE DIR_OF_COGS [REPEAT]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkCache, fileSource, openRaster, type TiffDataset } from '../../src/raster/index.ts';
import { WebMercatorQuad } from '../../src/raster/tms/tms.ts';
import { tileGrid } from '../../src/tiler/geometry.ts';
import { parseRenderParams, type Query } from '../../src/tiler/params.ts';
import { cogInput, readForTask } from '../../src/tiler/pipeline.ts';
import { runRenderTask } from '../../src/tiler/workers/render.task.ts';

const [file, dir, repeatS] = process.argv.slice(2);
const lines = readFileSync(file!, 'utf8').split('\n').filter(Boolean);
const blocks = new ChunkCache(256 * 1024 * 1024);
const open = new Map<string, TiffDataset>();
const dataset = async (name: string): Promise<TiffDataset> => {
  let ds = open.get(name);
  if (!ds) {
    ds = await openRaster(await fileSource(join(dir!, name)), { blockCache: blocks });
    open.set(name, ds);
  }
  return ds;
};

const totals = { read: 0, render: 0, tiles: 0, bytes: 0, empty: 0 };
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let r = 0; r < Number(repeatS ?? 1); r++) {
  for (const line of lines) {
    const u = new URL(line);
    const m = /\/tiles\/WebMercatorQuad\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(u.pathname)!;
    const q: Query = Object.fromEntries(u.searchParams);
    const ds = await dataset(q['url']!.toString().split('/').pop()!);
    const p = parseRenderParams(q);
    const grid = tileGrid(WebMercatorQuad, Number(m[1]), Number(m[2]), Number(m[3]), 256);
    const a = performance.now();
    const inputs = await readForTask([cogInput(ds, p)], grid, p);
    const b = performance.now();
    const img = await runRenderTask({ inputs, width: 256, height: 256, query: q, format: 'png' });
    const c = performance.now();
    totals.read += b - a;
    totals.render += c - b;
    totals.tiles++;
    if (img) totals.bytes += img.byteLength;
    else totals.empty++;
  }
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const n = totals.tiles;
console.log(
  JSON.stringify({
    tiles: n,
    empty: totals.empty,
    readMs: +(totals.read / n).toFixed(2),
    renderMs: +(totals.render / n).toFixed(2),
    wallMsPerTile: +(wall / n).toFixed(2),
    cpuMsPerTile: +((cpu.user + cpu.system) / 1000 / n).toFixed(2),
    meanBytes: Math.round(totals.bytes / Math.max(1, n - totals.empty)),
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }),
);
