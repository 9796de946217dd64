/**
 * The streaming COG writer. The source is read one tile-row at a time; each level keeps only the rows it has
 * not yet tiled plus the few its child level still needs, builds the child's rows by cascading downsampling,
 * and hands finished tiles to compression workers. Compressed tiles are spilled per level to a `CogSink`,
 * which assembles GDAL's layout at the end: header, ghost area, all IFDs, then tile data from the smallest
 * overview to full resolution, each tile between its size (leader) and its last 4 bytes (trailer).
 *
 * Memory is bounded by about two tile-rows of full-resolution pixels (blockSize x width x bands x bytes, for
 * the level and all its overviews together), the reader's 64 MiB chunk cache, and 4 tiles per worker in flight.
 */
import { BYTES_PER_SAMPLE, typedView } from '../tiff/pixels.ts';
import type { PixelArray } from '../types.ts';
import { alphaIsLast, cogIfds, type CogSource, type LevelLayout } from './cog-ifds.ts';
import type { TileSpec } from './encode-tile.ts';
import { jpegTables, spreadEdges } from './jpeg-tile.ts';
import type { CogOptions } from './options.ts';
import { levelSizes, rowSampler, type RowSampler } from './overview.ts';
import { framed, headerAndGhost, ifdChainSize, serializeIfds } from './tiff-layout.ts';

/** Receives compressed tiles per level, then assembles the file (see io/cog-file-sink.ts). */
export interface CogSink {
  append(level: number, bytes: Uint8Array): Promise<void>;
  finish(head: Uint8Array, levelOrder: number[]): Promise<void>;
  abort(): Promise<void>;
}

/** Compresses tiles (a WorkerPool, or an in-process encoder in tests). */
export interface TileEncoder {
  run(data: Uint8Array, spec: TileSpec): Promise<Uint8Array>;
  readonly size: number;
}

export interface CogWriteResult {
  levels: [number, number][];
  bigTiff: boolean;
  bytes: number;
}

interface Row {
  bands: PixelArray[];
  mask: Uint8Array | null;
}

interface Level {
  index: number;
  width: number;
  height: number;
  rows: Map<number, Row>;
  /** First row not yet written as tiles. */
  pendingFrom: number;
  child: Level | null;
  sampler: RowSampler | null;
  childNext: number;
  spillPos: number;
  layout: LevelLayout;
}

interface Queued {
  level: Level;
  tile: number;
  img: Promise<Uint8Array>;
  mask: Promise<Uint8Array> | null;
}

export async function writeCog(
  src: CogSource,
  opts: CogOptions,
  sink: CogSink,
  encoder: TileEncoder,
  onProgress?: (rowsDone: number, rows: number) => void,
): Promise<CogWriteResult> {
  const T = opts.blockSize;
  const dt = src.dataType;
  // JPEG cannot carry alpha: as GDAL's COG driver, the alpha band becomes the per-dataset mask (alpha > 0).
  const alphaToMask = opts.compress === 'JPEG' && alphaIsLast(src);
  const nb = alphaToMask ? src.bandCount - 1 : src.bandCount;
  const bps = BYTES_PER_SAMPLE[dt];
  const nodata = opts.nodata === 'none' ? null : (opts.nodata ?? src.nodata);
  const hasMask = src.masks[0] != null || alphaToMask;
  const sizes = levelSizes(src.width, src.height, T);
  const rawBytes = sizes.reduce((s, [w, h]) => s + w * h * nb * bps, 0);
  const big = opts.bigTiff === 'YES' || (opts.bigTiff === 'IF_NEEDED' && rawBytes > 4_000_000_000);
  const spec: TileSpec = {
    compress: opts.compress,
    level: opts.level,
    quality: opts.quality,
    predictor: opts.predictor,
    width: T,
    height: T,
    samples: nb,
    bits: bps * 8,
  };
  const maskSpec: TileSpec = {
    compress: 'DEFLATE',
    level: 6,
    predictor: 'NO',
    width: T,
    height: T,
    samples: 1,
    bits: 1,
  };

  const levels: Level[] = sizes.map(([width, height], index) => {
    const n = Math.ceil(width / T) * Math.ceil(height / T);
    return {
      index,
      width,
      height,
      rows: new Map(),
      pendingFrom: 0,
      child: null,
      sampler: null,
      childNext: 0,
      spillPos: 0,
      layout: {
        width,
        height,
        offsets: new Array<number>(n).fill(0),
        byteCounts: new Array<number>(n).fill(0),
        maskOffsets: hasMask ? new Array<number>(n).fill(0) : null,
        maskByteCounts: hasMask ? new Array<number>(n).fill(0) : null,
      },
    };
  });
  levels.forEach((l, i) => {
    const c = levels[i + 1];
    if (c) {
      l.child = c;
      l.sampler = rowSampler(opts.overviewResampling, dt, [l.width, l.height], [c.width, c.height]);
    }
  });

  const queue: Queued[] = [];
  const maxInFlight = Math.max(2, encoder.size * 4);

  const flushOne = async (): Promise<void> => {
    const q = queue.shift();
    if (!q) return;
    const img = framed(await q.img);
    const mask = q.mask ? framed(await q.mask) : null;
    const L = q.level;
    L.layout.offsets[q.tile] = L.spillPos + 4;
    L.layout.byteCounts[q.tile] = img.length - 8;
    let bytes = img;
    if (mask && L.layout.maskOffsets && L.layout.maskByteCounts) {
      L.layout.maskOffsets[q.tile] = L.spillPos + img.length + 4;
      L.layout.maskByteCounts[q.tile] = mask.length - 8;
      bytes = new Uint8Array(img.length + mask.length);
      bytes.set(img);
      bytes.set(mask, img.length);
    }
    L.spillPos += bytes.length;
    await sink.append(L.index, bytes);
  };

  const emitTileRow = async (L: Level, ty: number): Promise<void> => {
    const y0 = ty * T;
    const y1 = Math.min(L.height, y0 + T);
    const across = Math.ceil(L.width / T);
    for (let tx = 0; tx < across; tx++) {
      const x0 = tx * T;
      const x1 = Math.min(L.width, x0 + T);
      const buf = new Uint8Array(T * T * nb * bps);
      const tile = typedView(dt, buf);
      const mbuf = hasMask ? new Uint8Array((T >> 3) * T) : null;
      for (let y = y0; y < y1; y++) {
        const row = L.rows.get(y) as Row;
        const base = (y - y0) * T;
        if (nb === 1) tile.set((row.bands[0] as PixelArray).subarray(x0, x1), base);
        else {
          for (let b = 0; b < nb; b++) {
            const src = row.bands[b] as PixelArray;
            for (let x = x0, o = base * nb + b; x < x1; x++, o += nb) tile[o] = src[x] as number;
          }
        }
        if (mbuf && row.mask) {
          const m = row.mask;
          const rb = (y - y0) * (T >> 3);
          for (let x = x0; x < x1; x++)
            if (m[x])
              mbuf[rb + ((x - x0) >> 3)] = (mbuf[rb + ((x - x0) >> 3)] as number) | (0x80 >> ((x - x0) & 7));
        }
      }
      if (opts.compress === 'JPEG') spreadEdges(buf, T, nb, x1 - x0, y1 - y0);
      queue.push({
        level: L,
        tile: ty * across + tx,
        img: encoder.run(buf, spec),
        mask: mbuf ? encoder.run(mbuf, maskSpec) : null,
      });
      while (queue.length > maxInFlight) await flushOne();
    }
    L.pendingFrom = y1;
  };

  const push = async (L: Level, y: number, row: Row): Promise<void> => {
    L.rows.set(y, row);
    if ((y + 1) % T === 0 || y === L.height - 1) await emitTileRow(L, Math.floor(y / T));
    const c = L.child;
    const s = L.sampler;
    if (c && s) {
      while (L.childNext < c.height && (s.lastRow(L.childNext) <= y || y === L.height - 1)) {
        const j = L.childNext++;
        const get = (yy: number): Row => L.rows.get(Math.min(yy, y)) as Row;
        const bands = Array.from({ length: nb }, (_, b) =>
          s.band(j, (yy) => get(yy).bands[b] as PixelArray, nodata),
        );
        const mask = hasMask ? s.mask(j, (yy) => get(yy).mask as Uint8Array) : null;
        await push(c, j, { bands, mask });
      }
    }
    const keep = Math.min(
      L.pendingFrom,
      c && s && L.childNext < c.height ? s.firstRow(L.childNext) : Infinity,
    );
    for (const k of L.rows.keys()) if (k < keep) L.rows.delete(k);
  };

  try {
    const top = levels[0] as Level;
    for (let r0 = 0; r0 < src.height; r0 += T) {
      const rows = Math.min(T, src.height - r0);
      const read = await src.read({
        level: 0,
        window: { x: 0, y: r0, width: src.width, height: rows },
        mask: src.masks[0] != null,
      });
      const data = read.data.slice(0, nb);
      let mask = read.mask;
      if (alphaToMask && !mask) {
        const alpha = read.data[nb] as PixelArray;
        mask = new Uint8Array(alpha.length);
        for (let i = 0; i < alpha.length; i++) mask[i] = (alpha[i] as number) > 0 ? 255 : 0;
      }
      for (let r = 0; r < rows; r++) {
        const bands = data.map((d) => d.subarray(r * src.width, (r + 1) * src.width));
        await push(top, r0 + r, {
          bands,
          mask: mask ? mask.subarray(r * src.width, (r + 1) * src.width) : null,
        });
      }
      onProgress?.(r0 + rows, src.height);
    }
    while (queue.length > 0) await flushOne();

    // Absolute offsets: the data starts after the IFDs, smallest level first.
    const ifdParams = {
      source: src,
      dataType: dt,
      bands: nb,
      blockSize: T,
      compress: opts.compress,
      predictor: opts.predictor,
      nodataText: nodataText(nodata, src, opts),
      jpegTables: opts.compress === 'JPEG' ? await jpegTables(opts.quality) : null,
      big,
    };
    const { bytes: head, firstIfd } = headerAndGhost(big, hasMask);
    const chainSize = ifdChainSize(
      cogIfds(
        ifdParams,
        levels.map((l) => l.layout),
      ),
      big,
    );
    let at = firstIfd + chainSize;
    const order = levels.map((l) => l.index).reverse();
    const absolute: LevelLayout[] = levels.map((l) => ({ ...l.layout }));
    for (const i of order) {
      const l = levels[i] as Level;
      const shift = (v: number[] | null): number[] | null => (v ? v.map((o) => o + at) : null);
      (absolute[i] as LevelLayout).offsets = shift(l.layout.offsets) as number[];
      (absolute[i] as LevelLayout).maskOffsets = shift(l.layout.maskOffsets);
      at += l.spillPos;
    }
    if (!big && at > 0xffffffff) throw new Error('the output exceeds 4 GiB: use --bigtiff YES');
    const ifds = serializeIfds(cogIfds(ifdParams, absolute), firstIfd, big);
    const full = new Uint8Array(firstIfd + ifds.bytes.length);
    full.set(head);
    full.set(ifds.bytes, firstIfd);
    await sink.finish(full, order);
    return { levels: sizes, bigTiff: big, bytes: at };
  } catch (e) {
    await Promise.allSettled(queue.flatMap((q) => (q.mask ? [q.img, q.mask] : [q.img])));
    await sink.abort();
    throw e;
  }
}

function nodataText(nodata: number | null, src: CogSource, opts: CogOptions): string | null {
  if (nodata === null) return null;
  if (opts.nodata === null) {
    const t = src.images[0]?.ifd.tags.get(42113);
    if (typeof t === 'string') return t;
  }
  if (Number.isNaN(nodata)) return 'nan';
  return String(nodata);
}
