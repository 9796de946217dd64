/**
 * The CPU-heavy end of a tile, as one task that can run in a worker thread: per-pixel mapping and
 * resampling of the windows read, the expression, the rendering and the image encoding. Inputs and outputs
 * are plain data (structured-cloneable); rendering parameters travel as the request's query and are parsed
 * again where the task runs.
 */
import { encode, type ImageFormat } from '../../raster/render/encode.ts';
import { canRenderIndexed, renderIndexed } from '../../raster/render/render-indexed.ts';
import type { Rendered } from '../../raster/render/render.ts';
import type { PixelArray } from '../../raster/types.ts';
import type { PixelMap } from '../../raster/warp/reproject.ts';
import { nearestIndex } from '../../raster/warp/resample.ts';
import { finishWarp, planSource, windowPixelMap, type WarpPlan } from '../../raster/warp/warp.ts';
import { parseRenderParams, type Query, type RenderParams } from '../params.ts';
import { indexScratch, pixelMapFor, releaseMaps } from './scratch.ts';
import { applyExpression, renderPixels } from '../pipeline.ts';

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

/**
 * The encoded image, or null when no input touches the grid. `maps` are the inputs' pixel maps when made
 * beforehand (windowPixelMap of each plan, while the pixels were being read).
 */
export async function runRenderTask(
  t: RenderTask,
  maps?: Array<PixelMap | null>,
): Promise<Uint8Array | null> {
  if (t.inputs.every((i) => !i.plan)) return null;
  const p = parseRenderParams(t.query);
  const own = maps ? null : t.inputs.map((i) => (i.plan ? pixelMapFor(i.plan) : null));
  let img: Rendered;
  try {
    img = draw(t, p, (maps ?? own)!);
  } finally {
    if (own) releaseMaps(own);
  }
  return encodeImage(img, t.format);
}

/** The task's 8-bit image, in one pass when it can (renderNearestBytes). */
function draw(t: RenderTask, p: RenderParams, maps: Array<PixelMap | null>): Rendered {
  const fast = renderNearestBytes(t, p, maps[0] ?? undefined);
  if (fast) return fast;
  const n = t.width * t.height;
  const mask = new Uint8Array(n).fill(255);
  const data: Float64Array[] = [];
  const names: string[] = [];
  for (const [i, inp] of t.inputs.entries()) {
    names.push(...inp.names);
    if (!inp.plan) {
      mask.fill(0);
      for (let b = 0; b < inp.bandCount; b++) data.push(new Float64Array(n));
      continue;
    }
    const r = finishWarp(inp.plan, inp.data, inp.mask, maps[i] ?? undefined);
    for (let k = 0; k < n; k++) if (!r.mask[k]) mask[k] = 0;
    data.push(...r.data);
  }
  return renderPixels(
    applyExpression({ names, data, mask, width: t.width, height: t.height }, p.expression),
    p,
  );
}

/**
 * The commonest tile in one pass: a single input of 8/16-bit integers, nearest resampling, no expression and
 * no colormap go from the window read straight to 8-bit pixels (render-indexed.ts). Null when the task is
 * not of that kind.
 */
export function renderNearestBytes(t: RenderTask, p: RenderParams, premade?: PixelMap): Rendered | null {
  const inp = t.inputs[0];
  if (t.inputs.length !== 1 || !inp?.plan || inp.plan.method !== 'nearest') return null;
  if (p.expression || p.colormap || !canRenderIndexed(inp.data)) return null;
  const map = premade ?? windowPixelMap(inp.plan);
  const { idx, mask } = indexScratch(t.width * t.height);
  nearestIndex(planSource(inp.plan, inp.data, inp.mask), map.xs, map.ys, idx, mask);
  return renderIndexed(inp.data, idx, mask, t.width, t.height, {
    ...(p.rescale ? { rescale: p.rescale } : {}),
    returnMask: p.returnMask,
  });
}

/** Encoded images of all-zero pixels (a grid that meets only nodata), one per shape and format. */
const blank = new Map<string, Promise<Buffer>>();

/** Encodes `img`; an image of zeros only (fully transparent) is encoded once per shape and format. */
async function encodeImage(img: Rendered, format: ImageFormat): Promise<Uint8Array> {
  let out: Buffer;
  if (isBlank(img.pixels)) {
    const key = `${img.width}x${img.height}:${img.channels}:${format}`;
    let hit = blank.get(key);
    if (!hit) {
      hit = encode(img, format);
      if (blank.size >= 32) blank.clear();
      blank.set(key, hit);
      hit.catch(() => blank.delete(key));
    }
    // A copy: the caller may move the result's buffer to another thread.
    out = Buffer.from(await hit);
  } else {
    out = await encode(img, format);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function isBlank(pixels: Uint8Array): boolean {
  // Stops at the first byte drawn: only images of nodata are scanned whole.
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) return false;
  return true;
}
