/**
 * Resampling of a source window at mapped coordinates: nearest, bilinear and cubic (Keys, a = -0.5, as
 * GDAL's "cubic"). Invalid source pixels (mask 0, nodata, NaN) never contribute: bilinear and cubic weigh the
 * valid neighbours only, and a destination pixel is valid when the source pixel under it is.
 */
import type { PixelArray } from '../types.ts';

export type Resampling = 'nearest' | 'bilinear' | 'cubic';
export const RESAMPLING_METHODS: readonly Resampling[] = ['nearest', 'bilinear', 'cubic'];

export interface SourceWindow {
  /** Band-separate pixels, row-major, width*height each. */
  data: PixelArray[];
  /** 255 where valid, 0 where not; null when every pixel is valid apart from nodata. */
  mask: Uint8Array | null;
  width: number;
  height: number;
  nodata: number | null;
}

export interface Resampled {
  data: Float64Array[];
  /** 255 where valid. */
  mask: Uint8Array;
}

/** Radius in source pixels a method reads around a point (for the window margin). */
export function kernelRadius(method: Resampling): number {
  return method === 'nearest' ? 1 : method === 'bilinear' ? 2 : 3;
}

function validity(src: SourceWindow): Uint8Array {
  const n = src.width * src.height;
  const ok = new Uint8Array(n);
  const { mask, nodata } = src;
  // As GDAL's per-dataset nodata mask: a pixel is nodata when every band holds the nodata value (or NaN).
  for (let i = 0; i < n; i++) {
    let v = mask ? (mask[i] !== 0 ? 1 : 0) : 1;
    if (v) {
      v = 0;
      for (const band of src.data) {
        const p = band[i]!;
        if (p === p && (nodata === null || p !== nodata)) {
          v = 1;
          break;
        }
      }
    }
    ok[i] = v;
  }
  return ok;
}

/**
 * Nearest neighbour, first pass: which source pixel of the window (or -1 for none) each destination pixel
 * takes, judging validity only there. `mask` gets 255 where a pixel was taken. Output arrays may be reused
 * scratch (every element is written).
 */
export function nearestIndex(
  src: SourceWindow,
  xs: Float64Array,
  ys: Float64Array,
  idx: Int32Array,
  mask: Uint8Array,
): void {
  const count = xs.length;
  const { width: w, height: h, mask: m, nodata, data } = src;
  const nb = data.length;
  for (let i = 0; i < count; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    idx[i] = -1;
    mask[i] = 0;
    if (!(x >= 0 && y >= 0 && x < w && y < h)) continue;
    // Both are non-negative here, so truncation is floor.
    const c = (y | 0) * w + (x | 0);
    if (m !== null && m[c] === 0) continue;
    // As GDAL's per-dataset nodata mask: invalid when every band holds the nodata value (or NaN).
    let valid = false;
    for (let b = 0; b < nb; b++) {
      const p = data[b]![c]!;
      if (p === p && (nodata === null || p !== nodata)) {
        valid = true;
        break;
      }
    }
    if (!valid) continue;
    idx[i] = c;
    mask[i] = 255;
  }
}

/** Nearest neighbour in two passes: the index pass, then one tight copy loop per band. */
function nearest(src: SourceWindow, xs: Float64Array, ys: Float64Array): Resampled {
  const count = xs.length;
  const idx = new Int32Array(count);
  const mask = new Uint8Array(count);
  nearestIndex(src, xs, ys, idx, mask);
  const out = src.data.map((band) => {
    const o = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const c = idx[i]!;
      if (c >= 0) o[i] = band[c]!;
    }
    return o;
  });
  return { data: out, mask };
}

function cubicWeight(t: number): number {
  const a = -0.5;
  const x = Math.abs(t);
  if (x <= 1) return (a + 2) * x * x * x - (a + 3) * x * x + 1;
  if (x < 2) return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
  return 0;
}

/**
 * Samples `src` at (xs[i], ys[i]) (pixel coordinates of the window, 0 at its left/top edge) for each of
 * `count` destination pixels.
 */
export function resample(
  src: SourceWindow,
  xs: Float64Array,
  ys: Float64Array,
  method: Resampling,
): Resampled {
  if (method === 'nearest') return nearest(src, xs, ys);
  const count = xs.length;
  const { width: w, height: h } = src;
  const ok = validity(src);
  const out = src.data.map(() => new Float64Array(count));
  const mask = new Uint8Array(count);
  const bands = src.data.length;
  // One accumulator for every pixel: allocating per pixel made bilinear tiles garbage-collector bound.
  const acc = new Float64Array(bands);
  for (let i = 0; i < count; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!(x >= 0 && y >= 0 && x < w && y < h)) continue;
    const cx = Math.floor(x);
    const cy = Math.floor(y);
    const centre = cy * w + cx;
    if (!ok[centre]) continue;
    // Kernels are centred on pixel centres (x - 0.5).
    const sx = x - 0.5;
    const sy = y - 0.5;
    const ix = Math.floor(sx);
    const iy = Math.floor(sy);
    const fx = sx - ix;
    const fy = sy - iy;
    const lo = method === 'bilinear' ? 0 : -1;
    const hi = method === 'bilinear' ? 1 : 2;
    let wsum = 0;
    acc.fill(0);
    for (let j = lo; j <= hi; j++) {
      const yy = iy + j;
      if (yy < 0 || yy >= h) continue;
      const wy = method === 'bilinear' ? (j === 0 ? 1 - fy : fy) : cubicWeight(j - fy);
      if (wy === 0) continue;
      for (let k = lo; k <= hi; k++) {
        const xx = ix + k;
        if (xx < 0 || xx >= w) continue;
        const p = yy * w + xx;
        if (!ok[p]) continue;
        const wx = method === 'bilinear' ? (k === 0 ? 1 - fx : fx) : cubicWeight(k - fx);
        const wt = wx * wy;
        if (wt === 0) continue;
        wsum += wt;
        for (let b = 0; b < bands; b++) acc[b]! += wt * src.data[b]![p]!;
      }
    }
    if (Math.abs(wsum) < 1e-9) {
      for (let b = 0; b < bands; b++) out[b]![i] = src.data[b]![centre]!;
    } else {
      for (let b = 0; b < bands; b++) out[b]![i] = acc[b]! / wsum;
    }
    mask[i] = 255;
  }
  return { data: out, mask };
}
