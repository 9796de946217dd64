/**
 * `RasterDataset` over a TIFF: levels are the full-resolution image and its reduced-resolution IFDs, masks
 * are GDAL's internal mask IFDs. Reads fetch only the chunks a window touches, through the ByteSource, and
 * keep recently decoded chunks in a small cache.
 */
import { TerraHubError } from '../../core/errors.ts';
import type {
  BandInfo,
  ByteSource,
  Crs,
  DataType,
  GeoTransform,
  PixelArray,
  RasterDataset,
  RasterLevel,
  Window,
} from '../types.ts';
import { ChunkCache } from './chunk-cache.ts';
import { decodeChunk } from './codecs/decompress.ts';
import {
  type GdalMetadataItem,
  readCrs,
  readGdalMetadata,
  readGeoKeys,
  readGeoTransform,
  readNodata,
} from './geokeys.ts';
import { readTiffStructure, type TiffStructure } from './ifd.ts';
import { chunkLayout, dataTypeOf, describeImage, isMask, isOverview, type TiffImage } from './image.ts';
import { COMPRESSION_NAMES, Photometric } from './tags.ts';
import { newPixelArray, typedView } from './pixels.ts';

export class TiffDataset implements RasterDataset {
  readonly width: number;
  readonly height: number;
  readonly bandCount: number;
  readonly dataType: DataType;
  readonly crs: Crs | null;
  readonly geoTransform: GeoTransform | null;
  readonly bands: BandInfo[];
  readonly levels: RasterLevel[];
  readonly hasMask: boolean;
  /** Images per level (0 = full resolution) and the internal mask of each level, if any. */
  readonly images: TiffImage[];
  readonly masks: (TiffImage | null)[];
  readonly nodata: number | null;
  readonly metadata: GdalMetadataItem[];
  readonly structure: TiffStructure;
  /** Index of the alpha band (0-based) when ExtraSamples declares one. */
  readonly alphaBand: number | null;
  private readonly cache: ChunkCache;

  /** The cache key prefix of this dataset's blocks (a shared cache holds many datasets' blocks). */
  private readonly cacheId: string;

  constructor(
    readonly source: ByteSource,
    structure: TiffStructure,
    blockCache?: ChunkCache,
  ) {
    this.structure = structure;
    const all = structure.ifds.map(describeImage);
    const main = all[0] as TiffImage;
    if (isMask(main))
      throw new TerraHubError('TH_RASTER_INVALID_TIFF', 'Not a valid TIFF: the first image is a mask');
    this.images = [main, ...all.filter((i, k) => k > 0 && isOverview(i) && i.samples === main.samples)];
    this.images.sort((a, b) => b.width - a.width);
    const maskImgs = all.filter(isMask);
    this.masks = this.images.map(
      (img) => maskImgs.find((m) => m.width === img.width && m.height === img.height) ?? null,
    );
    this.width = main.width;
    this.height = main.height;
    this.bandCount = main.samples;
    this.dataType = dataTypeOf(main);
    const keys = readGeoKeys(main.ifd);
    this.crs = readCrs(keys);
    this.geoTransform = readGeoTransform(main.ifd, keys);
    const nd = readNodata(main.ifd);
    // GDAL stores the nodata of a float32 band as a float32, so pixels compare equal to it.
    this.nodata = nd !== null && this.dataType === 'float32' ? Math.fround(nd) : nd;
    this.metadata = readGdalMetadata(main.ifd);
    const extra = main.extraSamples;
    const firstExtra = main.samples - extra.length;
    const alphaAt = extra.findIndex((e) => e === 1 || e === 2);
    this.alphaBand = alphaAt >= 0 ? firstExtra + alphaAt : null;
    this.levels = this.images.map((i) => ({
      width: i.width,
      height: i.height,
      tileWidth: i.chunkWidth,
      tileHeight: i.chunkHeight,
    }));
    this.hasMask = this.masks[0] != null || this.alphaBand !== null;
    this.bands = Array.from({ length: this.bandCount }, (_, b) => this.bandInfo(b, main));
    this.cache = blockCache ?? new ChunkCache(64 * 1024 * 1024);
    this.cacheId = blockCache ? `${source.id}\0` : '';
  }

  private bandInfo(b: number, main: TiffImage): BandInfo {
    const item = (role: string): string | null =>
      this.metadata.find((m) => m.sample === b && (m.role === role || m.name === role.toUpperCase()))
        ?.value ?? null;
    const numOrNull = (s: string | null): number | null => (s === null || s === '' ? null : Number(s));
    let colorInterp: string | null = 'undefined';
    if (b === this.alphaBand) colorInterp = 'alpha';
    else if (main.photometric === Photometric.RGB || main.photometric === Photometric.YCbCr) {
      colorInterp = ['red', 'green', 'blue'][b] ?? 'undefined';
    } else if (main.photometric === Photometric.Palette && b === 0) colorInterp = 'palette';
    else if (b === 0) colorInterp = 'gray';
    return {
      description: item('description'),
      nodata: this.nodata,
      scale: numOrNull(item('scale')),
      offset: numOrNull(item('offset')),
      colorInterp,
    };
  }

  get compression(): string {
    return COMPRESSION_NAMES[(this.images[0] as TiffImage).compression] ?? 'UNKNOWN';
  }

  /** Decoded little-endian samples of one chunk of an image. */
  async chunk(img: TiffImage, index: number): Promise<Uint8Array> {
    const key = `${this.cacheId}${img.ifd.offset}:${index}`;
    return this.cache.get(key, async () => {
      const layout = chunkLayout(img, index, this.structure.littleEndian);
      const offset = img.offsets[index] as number;
      const count = img.byteCounts[index] as number;
      if (count === 0 || offset === 0) {
        // Sparse file: GDAL reads a missing block as nodata (or 0).
        const { chunkByteLength } = await import('./codecs/decompress.ts');
        return fillChunk(chunkByteLength(layout), this.dataType, this.nodata);
      }
      if (offset + count > this.source.size) {
        throw new TerraHubError(
          'TH_RASTER_INVALID_TIFF',
          `Not a valid TIFF: a tile at ${offset} lies beyond the end of the file (truncated?)`,
        );
      }
      const raw = await this.source.read(offset, count);
      if (raw.length < count)
        throw new TerraHubError(
          'TH_RASTER_INVALID_TIFF',
          `Not a valid TIFF: short read at ${offset} (truncated?)`,
        );
      return decodeChunk(layout, raw);
    });
  }

  async read(opts: {
    level: number;
    window: Window;
    bands?: number[];
    mask?: boolean;
  }): Promise<{ data: PixelArray[]; mask: Uint8Array | null }> {
    const img = this.images[opts.level];
    if (!img)
      throw new TerraHubError(
        'TH_BAD_REQUEST',
        `No level ${opts.level} (the file has ${this.images.length})`,
      );
    const bands = opts.bands ?? Array.from({ length: this.bandCount }, (_, i) => i + 1);
    for (const b of bands) {
      if (!Number.isInteger(b) || b < 1 || b > this.bandCount)
        throw new TerraHubError('TH_BAD_REQUEST', `No band ${b} (the file has ${this.bandCount})`);
    }
    const w = opts.window;
    const fill =
      this.nodata !== null && !Number.isNaN(this.nodata) ? this.nodata : this.nodata === null ? 0 : NaN;
    const data = bands.map(() => newPixelArray(this.dataType, w.width * w.height, fill));
    const x0 = Math.max(0, w.x);
    const y0 = Math.max(0, w.y);
    const x1 = Math.min(img.width, w.x + w.width);
    const y1 = Math.min(img.height, w.y + w.height);
    const jobs: Promise<void>[] = [];
    if (x1 > x0 && y1 > y0) {
      const cx0 = Math.floor(x0 / img.chunkWidth);
      const cx1 = Math.floor((x1 - 1) / img.chunkWidth);
      const cy0 = Math.floor(y0 / img.chunkHeight);
      const cy1 = Math.floor((y1 - 1) / img.chunkHeight);
      const perPlane = img.chunksAcross * img.chunksDown;
      for (let cy = cy0; cy <= cy1; cy++) {
        for (let cx = cx0; cx <= cx1; cx++) {
          const idx = cy * img.chunksAcross + cx;
          if (img.planar === 2) {
            bands.forEach((b, k) => {
              jobs.push(
                this.chunk(img, (b - 1) * perPlane + idx).then((c) =>
                  this.copy(img, c, cx, cy, 1, [0], [data[k] as PixelArray], w),
                ),
              );
            });
          } else {
            jobs.push(
              this.chunk(img, idx).then((c) =>
                this.copy(
                  img,
                  c,
                  cx,
                  cy,
                  img.samples,
                  bands.map((b) => b - 1),
                  data,
                  w,
                ),
              ),
            );
          }
        }
      }
    }
    await Promise.all(jobs);
    const mask = opts.mask ? await this.readMask(opts.level, w, bands, data) : null;
    return { data, mask };
  }

  /** Copies the part of a decoded chunk that falls in window `w` into the band arrays. */
  private copy(
    img: TiffImage,
    chunk: Uint8Array,
    cx: number,
    cy: number,
    spp: number,
    samples: number[],
    out: PixelArray[],
    w: Window,
  ): void {
    const src = typedView(this.dataType, chunk);
    const gx0 = cx * img.chunkWidth;
    const gy0 = cy * img.chunkHeight;
    const xs = Math.max(gx0, w.x);
    const xe = Math.min(gx0 + img.chunkWidth, w.x + w.width, img.width);
    const ys = Math.max(gy0, w.y);
    const ye = Math.min(gy0 + img.chunkHeight, w.y + w.height, img.height);
    const n = xe - xs;
    if (n <= 0) return;
    if (spp === 3 && samples.length === 3 && samples[0] === 0 && samples[1] === 1 && samples[2] === 2) {
      // RGB read whole (the commonest interleaved read): one pass over each row for all three bands.
      for (let y = ys; y < ye; y++) {
        const si = ((y - gy0) * img.chunkWidth + (xs - gx0)) * 3;
        const di = (y - w.y) * w.width + (xs - w.x);
        if (src instanceof Uint8Array) splitRgb8(src, si, out as Uint8Array[], di, n);
        else splitRgb(src, si, out, di, n);
      }
      return;
    }
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k] as number;
      const dst = out[k] as PixelArray;
      for (let y = ys; y < ye; y++) {
        const si = ((y - gy0) * img.chunkWidth + (xs - gx0)) * spp + s;
        const di = (y - w.y) * w.width + (xs - w.x);
        // Band-separate rows are one memcpy (source and destination share the data type).
        if (spp === 1) dst.set(src.subarray(si, si + n), di);
        else deinterleave(src, si, spp, dst, di, n);
      }
    }
  }

  private async readMask(level: number, w: Window, bands: number[], data: PixelArray[]): Promise<Uint8Array> {
    const img = this.images[level] as TiffImage;
    const maskImg = this.masks[level];
    if (maskImg) return readMaskImage(this, maskImg, w);
    let alpha: PixelArray | null = null;
    if (this.alphaBand !== null) {
      const k = bands.indexOf(this.alphaBand + 1);
      alpha =
        k >= 0
          ? (data[k] as PixelArray)
          : ((await this.read({ level, window: w, bands: [this.alphaBand + 1] })).data[0] as PixelArray);
    }
    const mask = new Uint8Array(w.width * w.height);
    // Only the part of the window inside the image can be valid.
    const xa = Math.max(0, -w.x);
    const xb = Math.min(w.width, img.width - w.x);
    const ya = Math.max(0, -w.y);
    const yb = Math.min(w.height, img.height - w.y);
    const nd = this.nodata;
    for (let y = ya; y < yb; y++) {
      const row = y * w.width;
      if (alpha) {
        for (let i = row + xa; i < row + xb; i++) mask[i] = (alpha[i] as number) > 0 ? 255 : 0;
      } else if (nd === null) {
        mask.fill(255, row + xa, row + xb);
      } else {
        // GDAL's per-dataset nodata: invalid when every band holds the nodata value.
        const nan = Number.isNaN(nd);
        for (let i = row + xa; i < row + xb; i++) {
          let valid = 0;
          for (let b = 0; b < data.length; b++) {
            const v = (data[b] as PixelArray)[i] as number;
            if (nan ? v === v : v !== nd) {
              valid = 255;
              break;
            }
          }
          mask[i] = valid;
        }
      }
    }
    return mask;
  }
}

/** Copies `n` RGB pixels of 8-bit data into three bands (a separate function: one element type only). */
function splitRgb8(src: Uint8Array, si: number, out: Uint8Array[], di: number, n: number): void {
  const r = out[0]!;
  const g = out[1]!;
  const b = out[2]!;
  for (let x = di, end = di + n; x < end; x++, si += 3) {
    r[x] = src[si]!;
    g[x] = src[si + 1]!;
    b[x] = src[si + 2]!;
  }
}

/** Copies `n` RGB pixels into three bands, any sample type. */
function splitRgb(src: PixelArray, si: number, out: PixelArray[], di: number, n: number): void {
  const r = out[0]!;
  const g = out[1]!;
  const b = out[2]!;
  for (let x = di, end = di + n; x < end; x++, si += 3) {
    r[x] = src[si]!;
    g[x] = src[si + 1]!;
    b[x] = src[si + 2]!;
  }
}

/** Copies `n` pixels of one sample out of pixel-interleaved data. */
function deinterleave(
  src: PixelArray,
  si: number,
  spp: number,
  dst: PixelArray,
  di: number,
  n: number,
): void {
  for (let x = 0; x < n; x++, si += spp) dst[di + x] = src[si] as number;
}

/** Reads an internal mask image (1-bit or 8-bit) over a window, as 0/255. */
async function readMaskImage(ds: TiffDataset, img: TiffImage, w: Window): Promise<Uint8Array> {
  const out = new Uint8Array(w.width * w.height);
  const x0 = Math.max(0, w.x);
  const y0 = Math.max(0, w.y);
  const x1 = Math.min(img.width, w.x + w.width);
  const y1 = Math.min(img.height, w.y + w.height);
  if (x1 <= x0 || y1 <= y0) return out;
  const rowBytes = Math.ceil((img.chunkWidth * img.bitsPerSample) / 8);
  const jobs: Promise<void>[] = [];
  for (let cy = Math.floor(y0 / img.chunkHeight); cy <= Math.floor((y1 - 1) / img.chunkHeight); cy++) {
    for (let cx = Math.floor(x0 / img.chunkWidth); cx <= Math.floor((x1 - 1) / img.chunkWidth); cx++) {
      jobs.push(
        ds.chunk(img, cy * img.chunksAcross + cx).then((c) => {
          const gx0 = cx * img.chunkWidth;
          const gy0 = cy * img.chunkHeight;
          for (let y = Math.max(gy0, y0); y < Math.min(gy0 + img.chunkHeight, y1); y++) {
            for (let x = Math.max(gx0, x0); x < Math.min(gx0 + img.chunkWidth, x1); x++) {
              const lx = x - gx0;
              const r = (y - gy0) * rowBytes;
              const v =
                img.bitsPerSample === 1
                  ? ((c[r + (lx >> 3)] as number) >> (7 - (lx & 7))) & 1
                  : (c[r + lx] as number);
              out[(y - w.y) * w.width + (x - w.x)] = v ? 255 : 0;
            }
          }
        }),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}

function fillChunk(byteLength: number, dt: DataType, nodata: number | null): Uint8Array {
  const b = new Uint8Array(byteLength);
  if (nodata !== null && nodata !== 0) typedView(dt, b).fill(nodata);
  return b;
}

/**
 * Opens a TIFF by reading its header and IFDs (a few range reads), never its pixel data. Decoded blocks are
 * kept in `blockCache` when given (keyed by the source's id, so datasets can share one), else in a cache of
 * the dataset's own.
 */
export async function openTiff(source: ByteSource, blockCache?: ChunkCache): Promise<TiffDataset> {
  return new TiffDataset(source, await readTiffStructure(source), blockCache);
}
