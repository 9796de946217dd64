/**
 * Maps a destination grid (a tile, a bbox image) back into a source raster: for every destination pixel
 * centre, the fractional source pixel coordinate at full resolution. Like GDAL's approximate transformer, each
 * row is transformed exactly at its ends and middle and linearly interpolated where that stays within 1/8 of
 * a source pixel (GDAL's default error threshold), halving the span where it does not.
 */
import type { Crs, GeoTransform } from '../types.ts';
import { transformer, type PointTransform } from './crs.ts';

export interface DestGrid {
  crs: Crs;
  /** [minx, miny, maxx, maxy] in the destination CRS. */
  bounds: [number, number, number, number];
  width: number;
  height: number;
}

export interface SourceGeo {
  crs: Crs;
  geoTransform: GeoTransform;
}

/** Source pixel coordinates: xs[i], ys[i] for destination pixel i (row-major); NaN where unmapped. */
export interface PixelMap {
  width: number;
  height: number;
  xs: Float64Array;
  ys: Float64Array;
}

const MAX_ERROR_PX = 0.125;

/** World (CRS) coordinates to pixel coordinates of a geotransform. */
export function inverseGeoTransform(gt: GeoTransform): (x: number, y: number) => [number, number] {
  const [ox, a, b, oy, d, e] = gt;
  const det = a * e - b * d;
  if (det === 0) throw new RangeError('the geotransform is not invertible');
  return (x, y) => {
    const dx = x - ox;
    const dy = y - oy;
    return [(e * dx - b * dy) / det, (-d * dx + a * dy) / det];
  };
}

/**
 * The map of `dst` into `src`. `into` lends arrays of width*height elements to fill (every element is
 * written), so that callers drawing tile after tile need not allocate a megabyte each time.
 */
export function sourcePixelMap(
  dst: DestGrid,
  src: SourceGeo,
  into?: { xs: Float64Array; ys: Float64Array },
): PixelMap {
  const { width, height, bounds } = dst;
  const toSrc: PointTransform = transformer(dst.crs, src.crs);
  const toPx = inverseGeoTransform(src.geoTransform);
  const resX = (bounds[2] - bounds[0]) / width;
  const resY = (bounds[3] - bounds[1]) / height;
  const n = width * height;
  const xs = into && into.xs.length === n ? into.xs : new Float64Array(n);
  const ys = into && into.ys.length === n ? into.ys : new Float64Array(n);
  const exact = (col: number, wy: number): [number, number] => {
    const [sx, sy] = toSrc(bounds[0] + (col + 0.5) * resX, wy);
    return Number.isNaN(sx) ? [NaN, NaN] : toPx(sx, sy);
  };
  for (let row = 0; row < height; row++) {
    const wy = bounds[3] - (row + 0.5) * resY;
    const base = row * width;
    const fill = (c0: number, p0: [number, number], c1: number, p1: [number, number]): void => {
      xs[base + c0] = p0[0];
      ys[base + c0] = p0[1];
      xs[base + c1] = p1[0];
      ys[base + c1] = p1[1];
      if (c1 - c0 < 2) return;
      const cm = (c0 + c1) >> 1;
      const pm = exact(cm, wy);
      const t = (cm - c0) / (c1 - c0);
      const ix = p0[0] + (p1[0] - p0[0]) * t;
      const iy = p0[1] + (p1[1] - p0[1]) * t;
      const ok =
        !Number.isNaN(pm[0]) &&
        !Number.isNaN(ix) &&
        Math.abs(ix - pm[0]) + Math.abs(iy - pm[1]) <= MAX_ERROR_PX;
      if (ok) {
        for (let c = c0 + 1; c < c1; c++) {
          const u = (c - c0) / (c1 - c0);
          xs[base + c] = p0[0] + (p1[0] - p0[0]) * u;
          ys[base + c] = p0[1] + (p1[1] - p0[1]) * u;
        }
        return;
      }
      fill(c0, p0, cm, pm);
      fill(cm, pm, c1, p1);
    };
    fill(0, exact(0, wy), width - 1, exact(width - 1, wy));
  }
  return { width, height, xs, ys };
}

/**
 * How many full-resolution source pixels one destination pixel spans (the larger of both axes), measured
 * at the grid's centre: what overview choice compares against.
 */
export function downsamplingRatio(map: PixelMap): number {
  const { width, height, xs, ys } = map;
  const best: number[] = [];
  for (const [r, c] of [
    [height >> 1, width >> 1],
    [height >> 2, width >> 2],
    [(3 * height) >> 2, (3 * width) >> 2],
  ] as const) {
    const i = r * width + c;
    if (c + 1 >= width || r + 1 >= height) continue;
    const dxr = Math.hypot(xs[i + 1]! - xs[i]!, ys[i + 1]! - ys[i]!);
    const dyr = Math.hypot(xs[i + width]! - xs[i]!, ys[i + width]! - ys[i]!);
    const v = Math.max(dxr, dyr);
    if (Number.isFinite(v)) best.push(v);
  }
  return best.length ? Math.min(...best) : 1;
}

/**
 * The overview GDAL's warper picks (gdalwarp -ovr AUTO): the coarsest level whose downsampling factor does
 * not exceed the requested ratio (with GDAL's 0.1 tolerance for a near match).
 */
export function chooseLevel(levels: Array<{ width: number }>, ratio: number): number {
  const full = levels[0]!.width;
  let chosen = 0;
  for (let i = 1; i < levels.length; i++) {
    const r = full / levels[i]!.width;
    if (r < ratio + 0.1) chosen = i;
    else break;
  }
  return chosen;
}

/** The bounding window (at full resolution) of the mapped coordinates, grown by `margin` pixels. */
export function mappedWindow(
  map: PixelMap,
  margin: number,
): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const { xs, ys } = map;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x0 === Infinity) return null;
  return {
    x0: Math.floor(x0 - margin),
    y0: Math.floor(y0 - margin),
    x1: Math.ceil(x1 + margin),
    y1: Math.ceil(y1 + margin),
  };
}
