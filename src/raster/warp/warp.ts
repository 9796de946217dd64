/**
 * Reads a dataset onto a destination grid in two steps, so the second can run off the event loop:
 * `planWarp` (cheap: a coarse mapping picks the overview as GDAL would and the window to read) and
 * `finishWarp` (the per-pixel mapping and resampling of the window read). `readWarped` does both here.
 */
import type { Crs, GeoTransform, PixelArray, RasterDataset, Window } from '../types.ts';
import { crsKey, transformBounds } from './crs.ts';
import {
  chooseLevel,
  downsamplingRatio,
  mappedWindow,
  sourcePixelMap,
  type DestGrid,
  type PixelMap,
} from './reproject.ts';
import { kernelRadius, resample, type Resampled, type Resampling, type SourceWindow } from './resample.ts';

export interface WarpOptions {
  /** 1-based band indexes (default all). */
  bands?: number[];
  resampling?: Resampling;
  /** Overrides the file's nodata value. */
  nodata?: number | null;
}

export class NotGeoreferencedError extends Error {}

/** What to read for a grid, and what finishing needs to know about the source: plain data (cloneable). */
export interface WarpPlan {
  dst: DestGrid;
  crs: Crs;
  geoTransform: GeoTransform;
  level: number;
  /** Level pixels per full-resolution pixel, x and y. */
  scale: [number, number];
  /** Window of the level to read. */
  window: Window;
  method: Resampling;
  nodata: number | null;
  /** Use the reader's mask (mask band, alpha); nodata is judged from the values. */
  useMask: boolean;
}

const COARSE = 33;

/** Each dataset's bounds in the grids' CRSs, computed once: 84 transformed points per request otherwise. */
const boundsCache = new WeakMap<RasterDataset, Map<string, [number, number, number, number]>>();

function boundsIn(ds: RasterDataset, crs: Crs): [number, number, number, number] {
  let byCrs = boundsCache.get(ds);
  if (!byCrs) boundsCache.set(ds, (byCrs = new Map<string, [number, number, number, number]>()));
  const key = crsKey(crs);
  let b = byCrs.get(key);
  if (!b) byCrs.set(key, (b = transformBounds(ds.crs!, crs, datasetBounds(ds))));
  return b;
}

export function planWarp(ds: RasterDataset, dst: DestGrid, opts: WarpOptions = {}): WarpPlan | null {
  if (!ds.geoTransform || !ds.crs) throw new NotGeoreferencedError('the raster has no georeferencing');
  const src = { crs: ds.crs, geoTransform: ds.geoTransform };
  const method = opts.resampling ?? 'nearest';
  // Outside the raster's bounds (in the grid's CRS) is "no data here" (a 404 tile), as in TiTiler; inside
  // them, a grid that only meets nodata is still drawn (transparent).
  const fb = boundsIn(ds, dst.crs);
  const b = dst.bounds;
  if (fb[0] >= b[2] || fb[2] <= b[0] || fb[1] >= b[3] || fb[3] <= b[1]) return null;
  const [minx, miny, maxx, maxy] = dst.bounds;
  const rx = (maxx - minx) / dst.width;
  const ry = (maxy - miny) / dst.height;
  // The overview: from the destination pixel spacing at the grid's centre, in source pixels.
  const cx = Math.floor(dst.width / 2);
  const cy = Math.floor(dst.height / 2);
  const centre = sourcePixelMap(
    {
      crs: dst.crs,
      bounds: [minx + (cx - 1) * rx, maxy - (cy + 2) * ry, minx + (cx + 2) * rx, maxy - (cy - 1) * ry],
      width: 3,
      height: 3,
    },
    src,
  );
  const level = chooseLevel(ds.levels, downsamplingRatio(centre));
  const lv = ds.levels[level]!;
  const scale: [number, number] = [lv.width / ds.width, lv.height / ds.height];
  // The window: a coarse grid over the same bounds, grown by one coarse step and the kernel's reach.
  const coarse = sourcePixelMap({ ...dst, width: COARSE, height: COARSE }, src);
  const step = 1.5 * Math.max(downsamplingRatio(coarse), 1);
  const win = mappedWindow(coarse, step + kernelRadius(method) + 1);
  if (!win) return null;
  const x0 = Math.max(Math.floor(win.x0 * scale[0]), 0);
  const y0 = Math.max(Math.floor(win.y0 * scale[1]), 0);
  const x1 = Math.min(Math.ceil(win.x1 * scale[0]), lv.width);
  const y1 = Math.min(Math.ceil(win.y1 * scale[1]), lv.height);
  if (x1 <= x0 || y1 <= y0) return null;
  const bands = opts.bands ?? Array.from({ length: ds.bandCount }, (_, i) => i + 1);
  const overridden = opts.nodata !== undefined && opts.nodata !== null;
  return {
    dst,
    crs: ds.crs,
    geoTransform: ds.geoTransform,
    level,
    scale,
    window: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
    method,
    nodata: opts.nodata !== undefined ? opts.nodata : (ds.bands[(bands[0] ?? 1) - 1]?.nodata ?? null),
    // The reader's mask covers mask bands and alpha; nodata is judged here, across bands, as GDAL does.
    useMask: ds.hasMask && !overridden,
  };
}

/**
 * Every destination pixel of `plan`'s grid as a fractional pixel of the window read (row-major), in the
 * arrays of `into` when they are of the grid's size.
 */
export function windowPixelMap(plan: WarpPlan, into?: PixelMap): PixelMap {
  const map = sourcePixelMap(plan.dst, { crs: plan.crs, geoTransform: plan.geoTransform }, into);
  const [sx, sy] = plan.scale;
  const { x, y } = plan.window;
  for (let i = 0; i < map.xs.length; i++) {
    map.xs[i] = map.xs[i]! * sx - x;
    map.ys[i] = map.ys[i]! * sy - y;
  }
  return map;
}

/** The window read for `plan` as a resampling source. */
export function planSource(plan: WarpPlan, data: PixelArray[], mask: Uint8Array | null): SourceWindow {
  const { width, height } = plan.window;
  return { data, mask: plan.useMask ? mask : null, width, height, nodata: plan.nodata };
}

/**
 * Maps every destination pixel into the window read for `plan` (or takes `map`, made earlier by
 * windowPixelMap) and resamples it.
 */
export function finishWarp(
  plan: WarpPlan,
  data: PixelArray[],
  mask: Uint8Array | null,
  map: PixelMap = windowPixelMap(plan),
): Resampled {
  return resample(planSource(plan, data, mask), map.xs, map.ys, plan.method);
}

/**
 * The grid's pixels from `ds`, or null when the grid does not touch the data at all (a tile outside the
 * raster). Pixels of the grid outside the raster are masked.
 */
export async function readWarped(
  ds: RasterDataset,
  dst: DestGrid,
  opts: WarpOptions = {},
): Promise<Resampled | null> {
  const plan = planWarp(ds, dst, opts);
  if (!plan) return null;
  const { data, mask } = await ds.read({
    level: plan.level,
    window: plan.window,
    bands: opts.bands ?? Array.from({ length: ds.bandCount }, (_, i) => i + 1),
    mask: plan.useMask,
  });
  return finishWarp(plan, data, mask);
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
