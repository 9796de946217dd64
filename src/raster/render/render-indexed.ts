/**
 * The commonest tile's fast path: nearest-resampled 8- or 16-bit integer bands straight to 8-bit pixels,
 * with no floating point band in between. Each band's rescale becomes a lookup table over every value the
 * type can hold, computed with render()'s own arithmetic, so the pixels are the same bytes render() makes
 * from the resampled bands; only the per-pixel division and rounding are gone.
 */
import type { PixelArray } from '../types.ts';
import type { Rendered, RenderOptions } from './render.ts';

/** Integer arrays a table can cover: their smallest value and how many values they hold. */
function lutDomain(a: PixelArray): { min: number; size: number } | null {
  if (a instanceof Uint8Array) return { min: 0, size: 256 };
  if (a instanceof Uint16Array) return { min: 0, size: 65536 };
  if (a instanceof Int8Array) return { min: -128, size: 256 };
  if (a instanceof Int16Array) return { min: -32768, size: 65536 };
  return null;
}

/** Whether renderIndexed can draw these bands (8/16-bit integers, all of one kind). */
export function canRenderIndexed(bands: PixelArray[]): boolean {
  const first = bands[0];
  return (
    first !== undefined &&
    lutDomain(first) !== null &&
    bands.every((b) => b.constructor === first.constructor)
  );
}

const tables = new Map<string, Uint8Array>();

/** Value (minus `min`) -> byte, exactly as render() turns a value into a byte with this range. */
function table(min: number, size: number, range: [number, number] | undefined): Uint8Array {
  const key = `${min}:${size}:${range ? `${range[0]}:${range[1]}` : ''}`;
  let t = tables.get(key);
  if (t) return t;
  t = new Uint8Array(size);
  const lo = range ? range[0] : 0;
  const span = range ? range[1] - range[0] : 0;
  for (let k = 0; k < size; k++) {
    let v = k + min;
    if (range) v = span === 0 ? 0 : ((v - lo) / span) * 255;
    t[k] = v > 0 ? (v >= 255 ? 255 : Math.round(v)) : 0;
  }
  // A handful of rescales are in use at a time; a full table of 16-bit values is 64 KiB.
  if (tables.size >= 64) tables.clear();
  tables.set(key, t);
  return t;
}

/**
 * Draws destination pixel i from source pixel `idx[i]` of each band (-1: none), as render() would draw
 * the nearest-resampled bands: grey or RGB (the first three bands), the mask as alpha unless
 * `returnMask` is false. No colormaps (those take render()).
 */
export function renderIndexed(
  bands: PixelArray[],
  idx: Int32Array,
  mask: Uint8Array,
  width: number,
  height: number,
  opts: Omit<RenderOptions, 'colormap'> = {},
): Rendered {
  const n = width * height;
  const withAlpha = opts.returnMask !== false;
  const colour = bands.length >= 3 ? 3 : 1;
  const channels = (colour + (withAlpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  const pixels = new Uint8Array(n * channels);
  const { min, size } = lutDomain(bands[0]!)!;
  for (let b = 0; b < colour; b++) {
    const band = bands[b]!;
    const t = table(min, size, opts.rescale?.[Math.min(b, opts.rescale.length - 1)]);
    for (let i = 0, o = b; i < n; i++, o += channels) {
      const c = idx[i]!;
      if (c >= 0) pixels[o] = t[band[c]! - min]!;
    }
  }
  if (withAlpha) for (let i = 0, o = colour; i < n; i++, o += channels) pixels[o] = mask[i]!;
  return { width, height, channels, pixels };
}
