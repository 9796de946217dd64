/**
 * Mosaicking: several items' pixels on one grid combined per pixel. `first` takes the first valid pixel in
 * the search's order (and stops reading once every pixel is filled); `highest`/`lowest` keep the pixel whose
 * first band is largest/smallest; `mean` and `median` combine every valid value per band.
 */
import type { Pixels } from './pipeline.ts';

export type PixelSelection = 'first' | 'highest' | 'lowest' | 'mean' | 'median';
export const PIXEL_SELECTIONS: readonly PixelSelection[] = ['first', 'highest', 'lowest', 'mean', 'median'];

export class Mosaic {
  private out: Pixels | null = null;
  private readonly stack: Pixels[] = [];

  constructor(private readonly method: PixelSelection) {}

  /** True when no further layer could change the result (`first` with every pixel filled). */
  get complete(): boolean {
    return this.method === 'first' && this.out !== null && this.out.mask.every((m) => m !== 0);
  }

  add(px: Pixels): void {
    if (this.method === 'mean' || this.method === 'median') {
      this.stack.push(px);
      return;
    }
    if (!this.out) {
      this.out = { ...px, data: px.data.map((d) => Float64Array.from(d)), mask: Uint8Array.from(px.mask) };
      return;
    }
    const o = this.out;
    const bands = Math.min(o.data.length, px.data.length);
    for (let i = 0; i < px.mask.length; i++) {
      if (!px.mask[i]) continue;
      const take =
        !o.mask[i] ||
        (this.method === 'highest' && px.data[0]![i]! > o.data[0]![i]!) ||
        (this.method === 'lowest' && px.data[0]![i]! < o.data[0]![i]!);
      if (!take) continue;
      for (let b = 0; b < bands; b++) o.data[b]![i] = px.data[b]![i]!;
      o.mask[i] = 255;
    }
  }

  result(): Pixels | null {
    if (this.method !== 'mean' && this.method !== 'median') return this.out;
    const first = this.stack[0];
    if (!first) return null;
    const n = first.mask.length;
    const bands = Math.min(...this.stack.map((p) => p.data.length));
    const data = Array.from({ length: bands }, () => new Float64Array(n));
    const mask = new Uint8Array(n);
    const vals: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < bands; b++) {
        vals.length = 0;
        for (const p of this.stack) if (p.mask[i]) vals.push(p.data[b]![i]!);
        if (!vals.length) break;
        mask[i] = 255;
        if (this.method === 'mean') {
          data[b]![i] = vals.reduce((a, v) => a + v, 0) / vals.length;
        } else {
          vals.sort((a, c) => a - c);
          const m = vals.length >> 1;
          data[b]![i] = vals.length % 2 ? vals[m]! : (vals[m - 1]! + vals[m]!) / 2;
        }
      }
    }
    return { ...first, data, mask };
  }
}
