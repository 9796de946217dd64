/**
 * PNG encoding of rendered 8-bit images, written here rather than through libvips. Measured on 149 tiles of
 * the tiles benchmark (2 cores, load 12-13): libvips with TiTiler's settings (zlib level 6, libpng's adaptive
 * filtering) made 19.2 kB in 5.9-6.4 ms of CPU per tile, of which about 1 ms is libvips' own cost per image
 * and most of the rest libpng's trial of five filters on every row; the "up" filter on every row (the first
 * row "sub") with zlib level 5 makes 19.5 kB in 3.5-3.7 ms. Node's zlib runs on libuv's thread pool.
 *
 * Images of 64 KiB and more deflate in two bands of rows at once on the thread pool, joined into one zlib
 * stream (the first band ends on a sync flush; the Adler-32 is the whole's): one tile's latency on an idle
 * machine falls with the second core, at the price of about 1% in size. The bands depend only on the image,
 * so a tile's bytes are the same under any load (its ETag is strong).
 */
import { constants, deflate, deflateRaw, type ZlibOptions } from 'node:zlib';
import type { Rendered } from './render.ts';

/** zlib level for PNG data: see above for the measured trade-off. */
export const PNG_ZLIB_LEVEL = 5;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** PNG colour types by channel count: grey, grey+alpha, RGB, RGBA. */
const COLOUR_TYPE = [0, 0, 4, 2, 6] as const;

/**
 * Rows prefixed by their filter type: "sub" for the first row, "up" for the others; into `into` when it
 * is of the right size (every byte is written).
 */
export function filterRows(img: Rendered, into?: Uint8Array): Uint8Array {
  const { width, height, channels: bpp, pixels: px } = img;
  const stride = width * bpp;
  const n = height * (stride + 1);
  const out = into?.length === n ? into : new Uint8Array(n);
  if (height === 0) return out;
  out[0] = 1;
  for (let i = 0; i < stride; i++) out[1 + i] = (px[i]! - (i >= bpp ? px[i - bpp]! : 0)) & 255;
  for (let y = 1; y < height; y++) {
    const r = y * stride;
    const o = y * (stride + 1) + 1;
    out[o - 1] = 2;
    for (let i = 0; i < stride; i++) out[o + i] = (px[r + i]! - px[r - stride + i]!) & 255;
  }
  return out;
}

function zlibCall(
  fn: typeof deflate | typeof deflateRaw,
  data: Uint8Array,
  opts: ZlibOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => fn(data, opts, (e, out) => (e ? reject(e) : resolve(out))));
}

/** Adler-32 (zlib's checksum) of `b`. */
export function adler32(b: Uint8Array): number {
  let a = 1;
  let s = 0;
  // Sums stay far below 2^53 over 2^20 bytes, so the modulo runs once per block.
  for (let i = 0; i < b.length;) {
    const end = Math.min(i + (1 << 20), b.length);
    for (; i < end; i++) {
      a += b[i]!;
      s += a;
    }
    a %= 65521;
    s %= 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/** One zlib stream of `data`, deflated in `parts` bands of whole rows at once. */
async function deflateParts(
  data: Uint8Array,
  rowBytes: number,
  rows: number,
  parts: number,
): Promise<Uint8Array[]> {
  const level = PNG_ZLIB_LEVEL;
  if (parts <= 1 || rows < 2 * parts) return [await zlibCall(deflate, data, { level })];
  const per = Math.ceil(rows / parts);
  const bands: Promise<Buffer>[] = [];
  for (let r = 0; r < rows; r += per) {
    const last = r + per >= rows;
    const band = data.subarray(r * rowBytes, Math.min(rows, r + per) * rowBytes);
    bands.push(
      zlibCall(deflateRaw, band, { level, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH }),
    );
  }
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, adler32(data));
  // zlib header: deflate with a 32 KiB window, "fast" compression level, no dictionary.
  return [Uint8Array.of(0x78, 0x5e), ...(await Promise.all(bands)), tail];
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A chunk: length, type, data, CRC of type and data. */
function chunk(type: string, data: Uint8Array[]): Uint8Array[] {
  const head = new Uint8Array(8);
  const length = data.reduce((n, d) => n + d.length, 0);
  const view = new DataView(head.buffer);
  view.setUint32(0, length);
  for (let i = 0; i < 4; i++) head[4 + i] = type.charCodeAt(i);
  const crc = new Uint8Array(4);
  new DataView(crc.buffer).setUint32(0, crc32([head.subarray(4), ...data]));
  return [head, ...data, crc];
}

const freeRows: Uint8Array[] = [];

/** Bytes of filtered rows per band deflated at once, at least. */
const BAND_BYTES = 64 * 1024;

/**
 * The image as a PNG (8 bits per sample; grey, grey+alpha, RGB or RGBA by its channel count). `parts`
 * overrides the number of bands (for tests).
 */
export async function encodePng(img: Rendered, opts: { parts?: number } = {}): Promise<Buffer> {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, img.width);
  v.setUint32(4, img.height);
  ihdr[8] = 8;
  ihdr[9] = COLOUR_TYPE[img.channels];
  const rowBytes = img.width * img.channels + 1;
  const parts = opts.parts ?? Math.max(1, Math.min(2, Math.floor((rowBytes * img.height) / BAND_BYTES)));
  // Filtered rows are lent out and taken back once deflated: a quarter of a megabyte per 256 px RGBA tile.
  const rows = filterRows(img, freeRows.pop());
  let idat: Uint8Array[];
  try {
    idat = await deflateParts(rows, rowBytes, img.height, parts);
  } finally {
    if (freeRows.length < 4) freeRows.push(rows);
  }
  return Buffer.concat([SIGNATURE, ...chunk('IHDR', [ihdr]), ...chunk('IDAT', idat), ...chunk('IEND', [])]);
}
