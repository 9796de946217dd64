/**
 * Benchmark helper: a reproducible list of WebMercatorQuad tiles (z/x/y) over a raster's bounds, spread over
 * its zoom range (from whole-raster zooms to native resolution), from a fixed seed.
 * Usage: tsx bench/tiles/tile-list.ts FILE COUNT SEED
 */
import { fileSource, openRaster } from '../../src/raster/index.ts';
import { tileRange, WebMercatorQuad } from '../../src/raster/tms/tms.ts';
import { EPSG_3857, transformBounds } from '../../src/raster/warp/crs.ts';
import { datasetBounds } from '../../src/raster/warp/warp.ts';
import { zoomRange } from '../../src/tiler/geometry.ts';

const [file, countS, seedS] = process.argv.slice(2);
const src = await fileSource(file!);
const ds = await openRaster(src);
const b = transformBounds(ds.crs!, EPSG_3857, datasetBounds(ds));
const { minzoom, maxzoom } = zoomRange(ds, WebMercatorQuad);
let seed = Number(seedS ?? 1);
const rand = () => {
  // mulberry32: small, seeded, good enough to spread tiles.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const out: string[] = [];
for (let i = 0; i < Number(countS); i++) {
  const z = minzoom + Math.floor(rand() * (maxzoom - minzoom + 1));
  const r = tileRange(WebMercatorQuad, z, b)!;
  const x = r[0] + Math.floor(rand() * (r[2] - r[0] + 1));
  const y = r[1] + Math.floor(rand() * (r[3] - r[1] + 1));
  out.push(`${z}/${x}/${y}`);
}
await src.close();
console.log(out.join('\n'));
