/**
 * Turns one stored strip or tile into raw samples: decompression, then the predictor, then byte order.
 * Output is always little-endian (the host order of every machine Node runs on here).
 */
import { inflate } from 'node:zlib';
import { TerraHubError } from '../../../core/errors.ts';
import { Compression } from '../tags.ts';
import { lzwDecode } from './lzw.ts';
import { packbitsDecode } from './packbits.ts';
import { decodeLerc } from './lerc.ts';
import { zstdDecompress } from './zstd.ts';

export interface ChunkLayout {
  compression: number;
  predictor: number;
  photometric: number;
  littleEndian: boolean;
  /** Pixels per row of the chunk and rows in it. */
  width: number;
  height: number;
  /** Samples per pixel stored in this chunk (1 for planar configuration 2). */
  samples: number;
  bitsPerSample: number;
  /** True for IEEE floating point samples. */
  float: boolean;
  jpegTables: Uint8Array | null;
  /** LercParameters: [LERC version, additional compression (0 none, 1 deflate, 2 zstd)]. */
  lercParameters: number[] | null;
}

/**
 * zlib on libuv's thread pool, so the event loop keeps serving while blocks inflate (a 512x512 RGB block
 * takes about 3 ms). One output chunk a little larger than the block makes zlib hand back a single buffer,
 * with no concatenation copy.
 */
function inflateOffThread(data: Uint8Array, expected: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    inflate(data, { chunkSize: Math.max(expected + 1024, 1024) }, (err, out) =>
      err ? reject(err) : resolve(out),
    );
  });
}

function unsupported(what: string): TerraHubError {
  return new TerraHubError('TH_RASTER_UNSUPPORTED', `Unsupported TIFF feature: ${what}`);
}

/** Bytes the chunk holds once decoded (rows of 1-bit data are padded to whole bytes). */
export function chunkByteLength(l: ChunkLayout): number {
  return Math.ceil((l.width * l.samples * l.bitsPerSample) / 8) * l.height;
}

async function decompress(l: ChunkLayout, data: Uint8Array, expected: number): Promise<Uint8Array> {
  switch (l.compression) {
    case Compression.None:
      return data;
    case Compression.Deflate:
    case Compression.AdobeDeflate:
      return inflateOffThread(data, expected);
    case Compression.LZW:
      return lzwDecode(data, expected);
    case Compression.PackBits:
      return packbitsDecode(data, expected);
    case Compression.ZSTD:
      return zstdDecompress(data, expected);
    case Compression.JPEG:
      return decodeJpeg(l, data);
    case Compression.WebP:
      return decodeWebp(l, data);
    case Compression.LERC:
      return decodeLerc(l, data, expected);
    default:
      throw unsupported(`compression ${l.compression}`);
  }
}

/**
 * JPEG through sharp (libvips on libjpeg-turbo, the library GDAL's libtiff uses too, so chroma upsampling
 * and the IDCT give the same pixels as GDAL).
 */
async function decodeJpeg(l: ChunkLayout, data: Uint8Array): Promise<Uint8Array> {
  let stream = data;
  if (l.jpegTables && l.jpegTables.length > 4) {
    // Abbreviated stream: the tables (minus their EOI) then the tile (minus its SOI).
    const t = l.jpegTables.subarray(0, l.jpegTables.length - 2);
    stream = new Uint8Array(t.length + data.length - 2);
    stream.set(t);
    stream.set(data.subarray(2), t.length);
  }
  return decodeWithSharp(l, stream);
}

async function decodeWebp(l: ChunkLayout, data: Uint8Array): Promise<Uint8Array> {
  return decodeWithSharp(l, data);
}

async function decodeWithSharp(l: ChunkLayout, data: Uint8Array): Promise<Uint8Array> {
  const sharp = (await import('sharp')).default;
  const { data: px, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
  if (info.channels === l.samples) return px;
  // Decoders may hand back RGBA for an RGB tile or the other way: keep the channels the TIFF declares.
  const out = new Uint8Array(l.width * l.height * l.samples);
  for (let i = 0, n = l.width * l.height; i < n; i++) {
    for (let c = 0; c < l.samples; c++)
      out[i * l.samples + c] = c < info.channels ? (px[i * info.channels + c] as number) : 255;
  }
  return out;
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let j = 0; j < size >> 1; j++) {
      const t = b[i + j] as number;
      b[i + j] = b[i + size - 1 - j] as number;
      b[i + size - 1 - j] = t;
    }
  }
}

/** Undoes horizontal differencing (predictor 2) in place on little-endian integer samples. */
function undoHorizontal(b: Uint8Array, l: ChunkLayout): void {
  const bps = l.bitsPerSample >> 3;
  const rowSamples = l.width * l.samples;
  const s = l.samples;
  const run = <T extends Uint8Array | Uint16Array | Uint32Array>(a: T): void => {
    for (let y = 0; y < l.height; y++) {
      const r = y * rowSamples;
      for (let i = s; i < rowSamples; i++) a[r + i] = (a[r + i] as number) + (a[r + i - s] as number);
    }
  };
  if (bps === 1) run(b);
  else if (bps === 2) run(new Uint16Array(b.buffer, b.byteOffset, b.length >> 1));
  else if (bps === 4) run(new Uint32Array(b.buffer, b.byteOffset, b.length >> 2));
  else if (bps === 8) {
    const a = new BigUint64Array(b.buffer, b.byteOffset, b.length >> 3);
    for (let y = 0; y < l.height; y++) {
      const r = y * rowSamples;
      for (let i = s; i < rowSamples; i++)
        a[r + i] = BigInt.asUintN(64, (a[r + i] as bigint) + (a[r + i - s] as bigint));
    }
  }
}

/** Undoes the floating point predictor (3): byte differencing, then the MSB-first byte planes per row. */
function undoFloat(b: Uint8Array, l: ChunkLayout): Uint8Array {
  const bps = l.bitsPerSample >> 3;
  const wc = l.width * l.samples;
  const rowBytes = wc * bps;
  const out = new Uint8Array(b.length);
  for (let y = 0; y < l.height; y++) {
    const row = b.subarray(y * rowBytes, (y + 1) * rowBytes);
    for (let i = l.samples; i < rowBytes; i++)
      row[i] = ((row[i] as number) + (row[i - l.samples] as number)) & 0xff;
    const o = y * rowBytes;
    for (let k = 0; k < wc; k++) {
      for (let j = 0; j < bps; j++) out[o + k * bps + (bps - 1 - j)] = row[j * wc + k] as number;
    }
  }
  return out;
}

/** Decodes a stored chunk to little-endian samples, `chunkByteLength(l)` bytes. */
export async function decodeChunk(l: ChunkLayout, data: Uint8Array): Promise<Uint8Array> {
  const expected = chunkByteLength(l);
  let b: Uint8Array;
  try {
    b = await decompress(l, data, expected);
  } catch (e) {
    if (e instanceof TerraHubError) throw e;
    throw new TerraHubError('TH_RASTER_INVALID_TIFF', `Corrupt compressed data: ${(e as Error).message}`);
  }
  if (b.length < expected) {
    // Short data happens in truncated or corrupt files; GDAL reports it too.
    throw new TerraHubError(
      'TH_RASTER_INVALID_TIFF',
      `A tile decodes to ${b.length} bytes, expected ${expected}`,
    );
  }
  const bps = l.bitsPerSample >> 3;
  // The predictor works in place: own the bytes (never the caller's, which a byte cache may hold), aligned
  // to the sample size. A decompressor's fresh output is already that; stored data is copied.
  let own = b.subarray(0, expected);
  if (b === data || b.buffer === data.buffer || own.byteOffset % Math.max(bps, 1) !== 0) {
    own = new Uint8Array(expected);
    own.set(b.subarray(0, expected));
  }
  if (l.predictor === 3) {
    if (!l.float) throw unsupported('floating point predictor on integer samples');
    return undoFloat(own, l);
  }
  if (!l.littleEndian && bps > 1 && l.compression !== Compression.JPEG) swapBytes(own, bps);
  if (l.predictor === 2) undoHorizontal(own, l);
  else if (l.predictor !== 1) throw unsupported(`predictor ${l.predictor}`);
  return own;
}
