/**
 * Arrays lent for drawing tile after tile on one thread: pixel maps (two Float64 arrays, a megabyte for a 256
 * px tile) and the nearest-index arrays. Allocated afresh for every tile they kept the garbage collector
 * busy (a tenth of the event loop's time in a profile of the tiles benchmark).
 */
import type { PixelMap } from '../../raster/warp/reproject.ts';
import { windowPixelMap, type WarpPlan } from '../../raster/warp/warp.ts';

const freeMaps: PixelMap[] = [];

/** windowPixelMap(plan) in a map given back earlier when there is one of the right size. */
export function pixelMapFor(plan: WarpPlan): PixelMap {
  return windowPixelMap(plan, freeMaps.pop());
}

/** Gives maps back once nothing reads them any more. */
export function releaseMaps(maps: Array<PixelMap | null>): void {
  for (const m of maps) if (m && freeMaps.length < 4) freeMaps.push(m);
}

let idx = new Int32Array(0);
let mask = new Uint8Array(0);

/** Index and mask arrays of `n` elements, for use before the next await only (they are shared). */
export function indexScratch(n: number): { idx: Int32Array; mask: Uint8Array } {
  if (idx.length < n) {
    idx = new Int32Array(n);
    mask = new Uint8Array(n);
  }
  return { idx: idx.subarray(0, n), mask: mask.subarray(0, n) };
}
