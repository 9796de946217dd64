/**
 * The CPU-heavy end of a tile, as one task that can run in a worker thread: per-pixel mapping and
 * resampling of the windows read, the expression, the rendering and the image encoding. Inputs and outputs
 * are plain data (structured-cloneable); rendering parameters travel as the request's query and are parsed
 * again where the task runs.
 */
import type { ImageFormat } from '../../raster/render/encode.ts';
import type { PixelArray } from '../../raster/types.ts';
import { finishWarp, type WarpPlan } from '../../raster/warp/warp.ts';
import { parseRenderParams, type Query } from '../params.ts';
import { applyExpression, toImage, type Pixels } from '../pipeline.ts';

export interface TaskInput {
  plan: WarpPlan | null;
  bandCount: number;
  names: string[];
  data: PixelArray[];
  mask: Uint8Array | null;
}

export interface RenderTask {
  inputs: TaskInput[];
  width: number;
  height: number;
  query: Query;
  format: ImageFormat;
}

/** The distinct buffers under a task's pixel arrays, to move them to the worker rather than copy them. */
export function taskTransfers(inputs: TaskInput[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const i of inputs) {
    for (const d of i.data) out.add(d.buffer as ArrayBuffer);
    if (i.mask) out.add(i.mask.buffer as ArrayBuffer);
  }
  return [...out];
}

/** The encoded image, or null when no input touches the grid. */
export async function runRenderTask(t: RenderTask): Promise<Uint8Array | null> {
  if (t.inputs.every((i) => !i.plan)) return null;
  const n = t.width * t.height;
  const mask = new Uint8Array(n).fill(255);
  const data: Float64Array[] = [];
  const names: string[] = [];
  for (const inp of t.inputs) {
    names.push(...inp.names);
    if (!inp.plan) {
      mask.fill(0);
      for (let b = 0; b < inp.bandCount; b++) data.push(new Float64Array(n));
      continue;
    }
    const r = finishWarp(inp.plan, inp.data, inp.mask);
    for (let k = 0; k < n; k++) if (!r.mask[k]) mask[k] = 0;
    data.push(...r.data);
  }
  const p = parseRenderParams(t.query);
  const px: Pixels = { names, data, mask, width: t.width, height: t.height };
  const img = await toImage(applyExpression(px, p.expression), p, t.format);
  return new Uint8Array(img.buffer, img.byteOffset, img.byteLength);
}
