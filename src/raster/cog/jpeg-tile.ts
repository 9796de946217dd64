/**
 * JPEG tiles as libtiff writes them for GDAL (PHOTOMETRIC=YCBCR, JPEGTABLESMODE=1): each tile is a baseline
 * JPEG with 4:2:0 chroma subsampling and its own optimised Huffman tables, while the quantisation tables,
 * the same for every tile of a given quality, live once in the JPEGTables tag (347). The encoder is sharp
 * (libvips on mozjpeg in its libjpeg-turbo-compatible mode), which converts RGB to YCbCr itself.
 *
 * A tile is sharp's complete stream with its APPn segments (JFIF) and DQT segments taken out. Readers join
 * JPEGTables (minus its EOI) and the tile (minus its SOI) into one stream, as libtiff does.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DQT = 0xdb;

interface Split {
  /** SOI + every segment except APPn and DQT + the scan, up to and including EOI. */
  rest: Uint8Array;
  /** The DQT segments, marker included, in order. */
  dqt: Uint8Array;
}

/** Splits a JFIF stream from the encoder into its DQT segments and the rest (APPn segments dropped). */
function split(jpeg: Uint8Array): Split {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new Error('the JPEG encoder returned no SOI marker');
  const keep: Uint8Array[] = [jpeg.subarray(0, 2)];
  const dqt: Uint8Array[] = [];
  let at = 2;
  for (;;) {
    if (at + 4 > jpeg.length || jpeg[at] !== 0xff) throw new Error('the JPEG encoder returned a bad marker');
    const marker = jpeg[at + 1] as number;
    if (marker === SOS) {
      // The scan header and the entropy-coded data up to EOI go through untouched.
      keep.push(jpeg.subarray(at));
      break;
    }
    const end = at + 2 + (((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number));
    const seg = jpeg.subarray(at, end);
    if (marker === DQT) dqt.push(seg);
    else if (marker < 0xe0 || marker > 0xef) keep.push(seg);
    at = end;
  }
  return { rest: concat(keep), dqt: concat(dqt) };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function encodeRgb(
  rgb: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Promise<Uint8Array> {
  const sharp = (await import('sharp')).default;
  const out = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({
      quality,
      chromaSubsampling: '4:2:0',
      optimiseCoding: true,
      progressive: false,
      // Plain libjpeg-turbo behaviour: the standard (Annex K) quantisation tables, no trellis.
      mozjpeg: false,
      trellisQuantisation: false,
      overshootDeringing: false,
      optimiseScans: false,
      quantisationTable: 0,
    })
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const tablesByQuality = new Map<number, Promise<Uint8Array>>();

/** The DQT segments the encoder uses at `quality` (taken from a 16x16 black image). */
function quantTables(quality: number): Promise<Uint8Array> {
  let t = tablesByQuality.get(quality);
  if (!t) {
    t = encodeRgb(new Uint8Array(16 * 16 * 3), 16, 16, quality).then((j) => split(j).dqt);
    tablesByQuality.set(quality, t);
  }
  return t;
}

/** The JPEGTables tag's value for `quality`: SOI, the quantisation tables, EOI. */
export async function jpegTables(quality: number): Promise<Uint8Array> {
  return concat([new Uint8Array([0xff, SOI]), await quantTables(quality), new Uint8Array([0xff, EOI])]);
}

/**
 * One tile of pixel-interleaved RGB as an abbreviated JPEG stream (tables in JPEGTables). Should the encoder
 * ever use other quantisation tables than the shared ones, the tile keeps its own (a reader then uses those,
 * as the TIFF JPEG rules allow).
 */
export async function encodeJpegTile(
  rgb: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Promise<Uint8Array> {
  const [jpeg, shared] = await Promise.all([encodeRgb(rgb, width, height, quality), quantTables(quality)]);
  const s = split(jpeg);
  if (equal(s.dqt, shared)) return s.rest;
  // Own tables go right after SOI, before the frame header.
  return concat([s.rest.subarray(0, 2), s.dqt, s.rest.subarray(2)]);
}

/**
 * Fills the part of an edge tile outside the raster with copies of the last valid column, then of the last
 * valid row, as GDAL does for JPEG: blocks that straddle the edge then hold no artificial step for the DCT to
 * ring on (zeros would darken the edge pixels), and the tiles come out as GDAL's.
 */
export function spreadEdges(
  tile: Uint8Array,
  size: number,
  samples: number,
  width: number,
  height: number,
): void {
  const row = size * samples;
  if (width < size && width > 0) {
    for (let y = 0; y < height; y++) {
      const last = y * row + (width - 1) * samples;
      for (let o = last + samples; o < (y + 1) * row; o += samples) tile.copyWithin(o, last, last + samples);
    }
  }
  if (height < size && height > 0) {
    const last = (height - 1) * row;
    for (let y = height; y < size; y++) tile.copyWithin(y * row, last, last + row);
  }
}
