/** Per-band statistics of valid pixels, with the fields TiTiler's /statistics returns. */
import type { Pixels } from './pipeline.ts';

export interface BandStatistics {
  min: number;
  max: number;
  mean: number;
  count: number;
  sum: number;
  std: number;
  median: number;
  majority: number;
  minority: number;
  unique: number;
  histogram: [number[], number[]];
  valid_percent: number;
  masked_pixels: number;
  valid_pixels: number;
  percentile_2: number;
  percentile_98: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (idx - lo);
}

export function bandStatistics(values: Float64Array, mask: Uint8Array, bins = 10): BandStatistics {
  const valid: number[] = [];
  for (let i = 0; i < values.length; i++) if (mask[i]) valid.push(values[i]!);
  const sorted = Float64Array.from(valid).sort();
  const count = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = count ? sum / count : NaN;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  const freq = new Map<number, number>();
  for (const v of sorted) freq.set(v, (freq.get(v) ?? 0) + 1);
  let majority = NaN;
  let minority = NaN;
  let most = -1;
  let least = Infinity;
  for (const [v, f] of freq) {
    if (f > most) {
      most = f;
      majority = v;
    }
    if (f < least) {
      least = f;
      minority = v;
    }
  }
  const min = count ? sorted[0]! : NaN;
  const max = count ? sorted[count - 1]! : NaN;
  const edges: number[] = [];
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins || 1;
  for (let b = 0; b <= bins; b++) edges.push(min + b * width);
  for (const v of sorted) counts[Math.min(bins - 1, Math.floor((v - min) / width))]!++;
  return {
    min,
    max,
    mean,
    count,
    sum,
    std: count ? Math.sqrt(sq / count) : NaN,
    median: percentile(sorted, 50),
    majority,
    minority,
    unique: freq.size,
    histogram: [counts, edges],
    valid_percent: values.length ? Math.round((count / values.length) * 10000) / 100 : 0,
    masked_pixels: values.length - count,
    valid_pixels: count,
    percentile_2: percentile(sorted, 2),
    percentile_98: percentile(sorted, 98),
  };
}

export function statistics(px: Pixels): Record<string, BandStatistics> {
  const out: Record<string, BandStatistics> = {};
  px.data.forEach((d, i) => {
    out[px.names[i]!] = bandStatistics(d, px.mask);
  });
  return out;
}
