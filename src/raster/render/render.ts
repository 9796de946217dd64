/**
 * Pixels -> an 8-bit image: per-band linear rescale (or a clip to 0..255 when none is given, as TiTiler
 * does), an optional colormap for single-band data, and the validity mask as alpha.
 */
import { lookup, type ColorLookup } from '../colormap/colormap.ts';

export interface RenderInput {
  /** One array per band, row-major, width*height each. */
  data: ArrayLike<number>[];
  /** 255 where valid. */
  mask: Uint8Array;
  width: number;
  height: number;
}

export interface RenderOptions {
  /** [min, max] per band; one pair applies to every band. */
  rescale?: Array<[number, number]>;
  colormap?: ColorLookup | null;
  /** Add the mask as an alpha channel (default true). */
  returnMask?: boolean;
}

export interface Rendered {
  width: number;
  height: number;
  /** 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 2 | 3 | 4;
  pixels: Uint8Array;
}

function toByte(v: number, range: [number, number] | undefined): number {
  if (range) {
    const [lo, hi] = range;
    v = hi === lo ? 0 : ((v - lo) / (hi - lo)) * 255;
  }
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  return Math.round(v);
}

export function render(input: RenderInput, opts: RenderOptions = {}): Rendered {
  const { width, height, mask } = input;
  const n = width * height;
  const withAlpha = opts.returnMask !== false;
  const rescale = (b: number) => opts.rescale?.[Math.min(b, opts.rescale.length - 1)];
  if (opts.colormap && input.data.length >= 1) {
    const band = input.data[0]!;
    const pixels = new Uint8Array(n * 4);
    const cm = opts.colormap;
    // Tables take the rescaled byte; discrete and interval maps take the raw value.
    const range = rescale(0);
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const v = cm.kind === 'table' ? toByte(band[i]!, range) : band[i]!;
      const c = lookup(cm, v);
      if (!c) continue;
      pixels.set(c, i * 4);
    }
    if (!withAlpha) for (let i = 0; i < n; i++) if (!mask[i]) pixels[i * 4 + 3] = 255;
    return { width, height, channels: 4, pixels };
  }
  const colour = input.data.length >= 3 ? 3 : 1;
  const channels = (colour + (withAlpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  const pixels = new Uint8Array(n * channels);
  for (let b = 0; b < colour; b++) {
    const band = input.data[b]!;
    const range = rescale(b);
    // The same arithmetic as toByte, inlined: this loop runs for every pixel of every tile.
    const lo = range ? range[0] : 0;
    const span = range ? range[1] - range[0] : 0;
    for (let i = 0, o = b; i < n; i++, o += channels) {
      if (!mask[i]) continue;
      let v = band[i]!;
      if (range) v = span === 0 ? 0 : ((v - lo) / span) * 255;
      pixels[o] = v > 0 ? (v >= 255 ? 255 : Math.round(v)) : 0;
    }
  }
  if (withAlpha) for (let i = 0; i < n; i++) pixels[i * channels + colour] = mask[i]!;
  return { width, height, channels, pixels };
}
