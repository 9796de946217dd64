/**
 * Overview sizes and the row-by-row downsampling that builds each level from the one above it (cascading,
 * as GDAL's COG driver does), so that a level only ever needs a few rows of its parent in memory.
 */
import type { DataType, PixelArray } from '../types.ts';
import { newPixelArray } from '../tiff/pixels.ts';
import type { CogResampling } from './options.ts';

/** Level sizes: halve (rounding down, as GDAL) until the level fits in one tile. */
export function levelSizes(width: number, height: number, blockSize: number): [number, number][] {
  const sizes: [number, number][] = [[width, height]];
  let w = width;
  let h = height;
  while ((w > blockSize || h > blockSize) && w > 1 && h > 1) {
    w = Math.max(1, Math.floor(w / 2));
    h = Math.max(1, Math.floor(h / 2));
    sizes.push([w, h]);
  }
  return sizes;
}

/** Source index range [start, end) for destination index `i` when `src` samples shrink to `dst`. */
export function sourceSpan(method: CogResampling, i: number, src: number, dst: number): [number, number] {
  const r = src / dst;
  if (method === 'NEAREST') {
    // GDAL's nearest sampling position for a cascaded factor-of-two reduction.
    const s = Math.min(src - 1, Math.floor((i + 0.25) * r));
    return [s, s + 1];
  }
  if (method === 'BILINEAR') {
    const c = (i + 0.5) * r - 0.5;
    const s = Math.max(0, Math.min(src - 1, Math.floor(c)));
    return [s, Math.min(src, s + 2)];
  }
  let s = Math.floor(0.5 + i * r);
  let e = Math.floor(0.5 + (i + 1) * r);
  s = Math.min(s, src - 1);
  e = Math.max(s + 1, Math.min(e, src));
  return [s, e];
}

export interface RowSampler {
  /** Last parent row (inclusive) that child row `j` reads. */
  lastRow(j: number): number;
  /** First parent row that child row `j` reads. */
  firstRow(j: number): number;
  /** Computes child row `j` of one band from the parent rows (a lookup by parent row index). */
  band(j: number, rows: (y: number) => PixelArray, nodata: number | null): PixelArray;
  /** The child row of the mask (0/255), always by nearest so masks stay binary. */
  mask(j: number, rows: (y: number) => Uint8Array): Uint8Array;
}

export function rowSampler(
  method: CogResampling,
  dataType: DataType,
  parent: [number, number],
  child: [number, number],
): RowSampler {
  const [pw, ph] = parent;
  const [cw, ch] = child;
  const isInt = !dataType.startsWith('float');
  const xSpans = Array.from({ length: cw }, (_, i) => sourceSpan(method, i, pw, cw));
  const xNear = Array.from({ length: cw }, (_, i) => sourceSpan('NEAREST', i, pw, cw)[0]);
  const ySpan = (j: number): [number, number] => sourceSpan(method, j, ph, ch);
  const isNodata = (v: number, nd: number | null): boolean =>
    nd !== null && (v === nd || (Number.isNaN(nd) && Number.isNaN(v)));
  return {
    lastRow: (j) => Math.max(ySpan(j)[1], sourceSpan('NEAREST', j, ph, ch)[1]) - 1,
    firstRow: (j) => Math.min(ySpan(j)[0], sourceSpan('NEAREST', j, ph, ch)[0]),
    mask(j, rows) {
      const src = rows(sourceSpan('NEAREST', j, ph, ch)[0]);
      const out = new Uint8Array(cw);
      for (let i = 0; i < cw; i++) out[i] = src[xNear[i] as number] as number;
      return out;
    },
    band(j, rows, nodata) {
      const out = newPixelArray(dataType, cw);
      if (method === 'NEAREST') {
        const src = rows(ySpan(j)[0]);
        for (let i = 0; i < cw; i++) out[i] = src[xNear[i] as number] as number;
        return out;
      }
      const [y0, y1] = ySpan(j);
      if (method === 'BILINEAR') {
        const cy = (j + 0.5) * (ph / ch) - 0.5;
        const fy = Math.min(1, Math.max(0, cy - y0));
        const r0 = rows(y0);
        const r1 = y1 - 1 > y0 ? rows(y0 + 1) : r0;
        for (let i = 0; i < cw; i++) {
          const [x0, x1] = xSpans[i] as [number, number];
          const cx = (i + 0.5) * (pw / cw) - 0.5;
          const fx = Math.min(1, Math.max(0, cx - x0));
          const xb = x1 - 1 > x0 ? x0 + 1 : x0;
          const vals = [r0[x0], r0[xb], r1[x0], r1[xb]] as number[];
          const wts = [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy];
          let sum = 0;
          let wsum = 0;
          vals.forEach((v, k) => {
            if (!isNodata(v, nodata) && !Number.isNaN(v)) {
              sum += v * (wts[k] as number);
              wsum += wts[k] as number;
            }
          });
          out[i] = wsum > 0 ? (isInt ? Math.floor(sum / wsum + 0.5) : sum / wsum) : (nodata ?? 0);
        }
        return out;
      }
      const srcRows: PixelArray[] = [];
      for (let y = y0; y < y1; y++) srcRows.push(rows(y));
      const counts = new Map<number, number>();
      for (let i = 0; i < cw; i++) {
        const [x0, x1] = xSpans[i] as [number, number];
        if (method === 'AVERAGE') {
          let sum = 0;
          let n = 0;
          for (const r of srcRows) {
            for (let x = x0; x < x1; x++) {
              const v = r[x] as number;
              if (isNodata(v, nodata) || Number.isNaN(v)) continue;
              sum += v;
              n++;
            }
          }
          out[i] = n > 0 ? (isInt ? Math.floor(sum / n + 0.5) : sum / n) : (nodata ?? 0);
        } else {
          counts.clear();
          let best = nodata ?? 0;
          let bestN = 0;
          for (const r of srcRows) {
            for (let x = x0; x < x1; x++) {
              const v = r[x] as number;
              if (isNodata(v, nodata)) continue;
              const c = (counts.get(v) ?? 0) + 1;
              counts.set(v, c);
              if (c > bestN) {
                bestN = c;
                best = v;
              }
            }
          }
          out[i] = best;
        }
      }
      return out;
    },
  };
}
