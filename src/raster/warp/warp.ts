/**
 * Reads a dataset onto a destination grid: maps the grid into the source, picks the overview as GDAL would,
 * reads one window of that level and resamples it. The dataset does the I/O (and its caches); this is math.
 */
import type { RasterDataset } from '../types.ts';
import { chooseLevel, downsamplingRatio, mappedWindow, sourcePixelMap, type DestGrid } from './reproject.ts';
import { kernelRadius, resample, type Resampled, type Resampling } from './resample.ts';

export interface WarpOptions {
  /** 1-based band indexes (default all). */
  bands?: number[];
  resampling?: Resampling;
  /** Overrides the file's nodata value. */
  nodata?: number | null;
}

export class NotGeoreferencedError extends Error {}

/**
 * The grid's pixels from `ds`, or null when the grid does not touch the data at all (a tile outside the
 * raster). Pixels of the grid outside the raster are masked.
 */
export async function readWarped(
  ds: RasterDataset,
  dst: DestGrid,
  opts: WarpOptions = {},
): Promise<Resampled | null> {
  if (!ds.geoTransform || !ds.crs) throw new NotGeoreferencedError('the raster has no georeferencing');
  const method = opts.resampling ?? 'nearest';
  const map = sourcePixelMap(dst, { crs: ds.crs, geoTransform: ds.geoTransform });
  const level = chooseLevel(ds.levels, downsamplingRatio(map));
  const lv = ds.levels[level]!;
  const sx = lv.width / ds.width;
  const sy = lv.height / ds.height;
  if (level > 0) {
    for (let i = 0; i < map.xs.length; i++) {
      map.xs[i]! *= sx;
      map.ys[i]! *= sy;
    }
  }
  const win = mappedWindow(map, kernelRadius(method));
  if (!win) return null;
  const x0 = Math.max(win.x0, 0);
  const y0 = Math.max(win.y0, 0);
  const x1 = Math.min(win.x1, lv.width);
  const y1 = Math.min(win.y1, lv.height);
  if (x1 <= x0 || y1 <= y0) return null;
  const bands = opts.bands ?? Array.from({ length: ds.bandCount }, (_, i) => i + 1);
  const { data, mask } = await ds.read({
    level,
    window: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
    bands,
    mask: true,
  });
  for (let i = 0; i < map.xs.length; i++) {
    map.xs[i]! -= x0;
    map.ys[i]! -= y0;
  }
  const nodata = opts.nodata !== undefined ? opts.nodata : (ds.bands[(bands[0] ?? 1) - 1]?.nodata ?? null);
  const out = resample(
    {
      data,
      // The reader's mask covers mask bands and alpha; nodata is judged here, across bands, as GDAL does.
      mask: ds.hasMask && (opts.nodata === undefined || opts.nodata === null) ? mask : null,
      width: x1 - x0,
      height: y1 - y0,
      nodata,
    },
    map.xs,
    map.ys,
    method,
  );
  return out;
}

/** The dataset's bounds [minx, miny, maxx, maxy] in its own CRS. */
export function datasetBounds(ds: RasterDataset): [number, number, number, number] {
  const gt = ds.geoTransform;
  if (!gt) throw new NotGeoreferencedError('the raster has no georeferencing');
  const xs = [
    gt[0],
    gt[0] + gt[1] * ds.width + gt[2] * ds.height,
    gt[0] + gt[1] * ds.width,
    gt[0] + gt[2] * ds.height,
  ];
  const ys = [
    gt[3],
    gt[3] + gt[4] * ds.width + gt[5] * ds.height,
    gt[3] + gt[4] * ds.width,
    gt[3] + gt[5] * ds.height,
  ];
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
