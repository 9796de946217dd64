/**
 * Encodes one tile: predictor, then compression. Runs inside the compression workers (compress-worker.ts)
 * and, for tests, in-process. Input samples are little-endian and pixel-interleaved.
 */
import { promisify } from 'node:util';
import { constants, deflate, deflateSync, type ZlibOptions } from 'node:zlib';
import { lzwEncode } from '../tiff/codecs/lzw.ts';
import { zstdCompress } from '../tiff/codecs/zstd.ts';
import { encodeJpegTile } from './jpeg-tile.ts';
import type { CogCompression, CogPredictor } from './options.ts';

export interface TileSpec {
  compress: CogCompression;
  level: number | null;
  /** JPEG quality (1-100). */
  quality?: number;
  predictor: CogPredictor;
  width: number;
  height: number;
  samples: number;
  /** Bits per sample: 1 for masks, else 8/16/32/64. */
  bits: number;
}

function applyHorizontal(b: Uint8Array, s: TileSpec): void {
  const rowSamples = s.width * s.samples;
  const n = s.samples;
  const run = (a: Uint8Array | Uint16Array | Uint32Array): void => {
    for (let y = 0; y < s.height; y++) {
      const r = y * rowSamples;
      for (let i = rowSamples - 1; i >= n; i--) a[r + i] = (a[r + i] as number) - (a[r + i - n] as number);
    }
  };
  if (s.bits === 8) run(b);
  else if (s.bits === 16) run(new Uint16Array(b.buffer, b.byteOffset, b.length >> 1));
  else if (s.bits === 32) run(new Uint32Array(b.buffer, b.byteOffset, b.length >> 2));
  else if (s.bits === 64) {
    const a = new BigUint64Array(b.buffer, b.byteOffset, b.length >> 3);
    for (let y = 0; y < s.height; y++) {
      const r = y * rowSamples;
      for (let i = rowSamples - 1; i >= n; i--)
        a[r + i] = BigInt.asUintN(64, (a[r + i] as bigint) - (a[r + i - n] as bigint));
    }
  }
}

/** TIFF floating point predictor: bytes of each row to MSB-first planes, then byte differencing. */
function applyFloat(b: Uint8Array, s: TileSpec): Uint8Array {
  const bps = s.bits >> 3;
  const wc = s.width * s.samples;
  const rowBytes = wc * bps;
  const out = new Uint8Array(b.length);
  for (let y = 0; y < s.height; y++) {
    const o = y * rowBytes;
    for (let k = 0; k < wc; k++) {
      for (let j = 0; j < bps; j++) out[o + j * wc + k] = b[o + k * bps + (bps - 1 - j)] as number;
    }
    for (let i = rowBytes - 1; i >= s.samples; i--)
      out[o + i] = ((out[o + i] as number) - (out[o + i - s.samples] as number)) & 0xff;
  }
  return out;
}

/** Whether an eighth of the tile from its middle says LZ77 matching is not worth its CPU (see deflateTile). */
function looksLikeNoise(lz: number, huffman: number): boolean {
  return lz > 0.97 * huffman;
}

const HUFFMAN = constants.Z_HUFFMAN_ONLY;

/**
 * Deflate for a tile. Where LZ77 finds next to nothing to match (noisy sensor data: most of a Sentinel-2 band),
 * zlib's match search is most of the CPU and buys under 3 % of size, so such tiles are Huffman-coded alone:
 * the same size within a fraction of a percent at about a third of the time. An eighth of the tile from its
 * middle decides: when level 1's matches save less than 3 % over Huffman alone, the tile is noise.
 */
export function deflateTile(b: Uint8Array, level: number): Uint8Array {
  const n = b.length >> 3;
  if (n >= 4096) {
    const at = (b.length - n) >> 1;
    const sample = b.subarray(at, at + n);
    const lz = deflateSync(sample, { level: 1 }).length;
    const huffman = deflateSync(sample, { level, strategy: HUFFMAN }).length;
    if (looksLikeNoise(lz, huffman)) return deflateSync(b, { level, strategy: HUFFMAN });
  }
  return deflateSync(b, { level });
}

const deflateAsync = promisify<Uint8Array, ZlibOptions, Buffer>(deflate);

/**
 * deflateTile on libuv's thread pool (Node's asynchronous zlib): both cores compress while the main thread
 * reads and builds overviews, with no worker threads to start (each costs a TypeScript loader of its own).
 * One output chunk as large as the input, so each call is one trip to the pool.
 */
export async function deflateTileAsync(b: Uint8Array, level: number): Promise<Uint8Array> {
  const chunkSize = Math.max(64 * 1024, b.length + 1024);
  const n = b.length >> 3;
  if (n >= 4096) {
    const at = (b.length - n) >> 1;
    const sample = b.subarray(at, at + n);
    const [lz, huffman] = await Promise.all([
      deflateAsync(sample, { level: 1, chunkSize }),
      deflateAsync(sample, { level, strategy: HUFFMAN, chunkSize }),
    ]);
    if (looksLikeNoise(lz.length, huffman.length))
      return deflateAsync(b, { level, strategy: HUFFMAN, chunkSize });
  }
  return deflateAsync(b, { level, chunkSize });
}

/** encodeTile with DEFLATE on the thread pool (other codecs as encodeTile). */
export async function encodeTileAsync(raw: Uint8Array, s: TileSpec): Promise<Uint8Array> {
  if (s.compress !== 'DEFLATE') return encodeTile(raw, s);
  let b = raw;
  if (s.predictor === 'STANDARD') applyHorizontal(b, s);
  else if (s.predictor === 'FLOATING_POINT') b = applyFloat(b, s);
  return deflateTileAsync(b, Math.min(9, s.level ?? 6));
}

export async function encodeTile(raw: Uint8Array, s: TileSpec): Promise<Uint8Array> {
  let b = raw;
  if (s.predictor === 'STANDARD') applyHorizontal(b, s);
  else if (s.predictor === 'FLOATING_POINT') b = applyFloat(b, s);
  switch (s.compress) {
    case 'NONE':
      return b;
    case 'DEFLATE':
      // GDAL's levels go to 12 (libdeflate); zlib stops at 9.
      return deflateTile(b, Math.min(9, s.level ?? 6));
    case 'LZW':
      return lzwEncode(b);
    case 'ZSTD':
      return zstdCompress(b, s.level ?? 9);
    case 'WEBP': {
      const sharp = (await import('sharp')).default;
      const img = sharp(b, { raw: { width: s.width, height: s.height, channels: s.samples as 3 | 4 } });
      return img.webp({ lossless: true, effort: 4 }).toBuffer();
    }
    case 'JPEG':
      return encodeJpegTile(b, s.width, s.height, s.quality ?? 75);
  }
}
