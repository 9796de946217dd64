/**
 * The data API's pipeline, free of HTTP: inputs (datasets and the bands wanted of each, with the names an
 * expression may use) -> pixels on a destination grid -> expression -> image. COGs have one input whose bands
 * are b1..bN; items have one input per asset (`nir`, or `nir_b1` for multi-band assets).
 */
import { TerraHubError } from '../core/errors.ts';
import { evaluate } from '../raster/expr/evaluate.ts';
import { encode, type ImageFormat } from '../raster/render/encode.ts';
import { render, type Rendered } from '../raster/render/render.ts';
import type { RasterDataset } from '../raster/types.ts';
import type { DestGrid } from '../raster/warp/reproject.ts';
import { UnsupportedCrsError } from '../raster/warp/crs.ts';
import { NotGeoreferencedError, planWarp, readWarped, type WarpPlan } from '../raster/warp/warp.ts';
import type { TaskInput } from './workers/render.task.ts';
import type { Expression, RenderParams } from './params.ts';

export interface Input {
  dataset: RasterDataset;
  /** 1-based band indexes to read. */
  bands: number[];
  /** The name of each band for expressions and results (`b1`, `nir`, `visual_b2`). */
  names: string[];
}

export interface Pixels {
  names: string[];
  data: Float64Array[];
  /** 255 where valid. */
  mask: Uint8Array;
  width: number;
  height: number;
}

/** Bands a dataset shows by default: all but an alpha band (which is the mask). */
export function defaultBands(ds: RasterDataset): number[] {
  const all = ds.bands.map((_, i) => i + 1);
  const colour = all.filter((b) => ds.bands[b - 1]?.colorInterp !== 'alpha');
  return colour.length ? colour : all;
}

function checkBands(ds: RasterDataset, bands: number[], param: string): void {
  for (const b of bands) {
    if (b > ds.bandCount)
      throw new TerraHubError(
        'TH_TILER_BAD_PARAMETER',
        `${param}: band ${b} does not exist (the raster has ${ds.bandCount})`,
        {
          parameter: param,
        },
      );
  }
}

/** The single input of a COG for the given parameters. */
export function cogInput(ds: RasterDataset, p: RenderParams): Input {
  let bands: number[];
  if (p.expression) {
    bands = p.expression.names.map((n) => {
      const m = /^b(\d+)$/i.exec(n);
      if (!m) {
        throw new TerraHubError(
          'TH_TILER_BAD_EXPRESSION',
          `expression: unknown band name "${n}" (use b1..b${ds.bandCount})`,
          {
            token: n,
          },
        );
      }
      return Number(m[1]);
    });
    checkBands(ds, bands, 'expression');
    return { dataset: ds, bands, names: p.expression.names };
  }
  bands = p.bidx ?? defaultBands(ds);
  checkBands(ds, bands, 'bidx');
  return { dataset: ds, bands, names: bands.map((b) => `b${b}`) };
}

function mapErrors(e: unknown): never {
  if (e instanceof NotGeoreferencedError || e instanceof UnsupportedCrsError)
    throw new TerraHubError('TH_TILER_NOT_GEOREFERENCED', e.message);
  throw e;
}

/** Reads every input onto `grid`; null when none of them touches it. Masks combine: valid in all inputs. */
export async function readGrid(inputs: Input[], grid: DestGrid, p: RenderParams): Promise<Pixels | null> {
  const results = await Promise.all(
    inputs.map((inp) =>
      readWarped(inp.dataset, grid, {
        bands: inp.bands,
        resampling: p.resampling,
        ...(p.nodata !== undefined ? { nodata: p.nodata } : {}),
      }).catch(mapErrors),
    ),
  );
  if (results.every((r) => r === null)) return null;
  const n = grid.width * grid.height;
  const mask = new Uint8Array(n).fill(255);
  const data: Float64Array[] = [];
  const names: string[] = [];
  results.forEach((r, i) => {
    const inp = inputs[i]!;
    if (!r) {
      mask.fill(0);
      inp.bands.forEach(() => data.push(new Float64Array(n)));
    } else {
      for (let k = 0; k < n; k++) if (!r.mask[k]) mask[k] = 0;
      data.push(...r.data);
    }
    names.push(...inp.names);
  });
  return { names, data, mask, width: grid.width, height: grid.height };
}

/** Applies the expression (if any): the result has one band per expression. */
export function applyExpression(px: Pixels, expr: Expression | null): Pixels {
  if (!expr) return px;
  const inputs = expr.names.map((n) => {
    const i = px.names.indexOf(n);
    if (i < 0)
      throw new TerraHubError('TH_TILER_BAD_EXPRESSION', `expression: unknown name "${n}"`, { token: n });
    return px.data[i]!;
  });
  const mask = new Uint8Array(px.mask);
  const data = evaluate(expr.trees, expr.names, inputs, mask);
  return { ...px, names: data.map((_, i) => `b${i + 1}`), data, mask };
}

/** Pixels -> 8-bit image with the rendering parameters. */
export function renderPixels(px: Pixels, p: RenderParams): Rendered {
  return render(
    { data: px.data, mask: px.mask, width: px.width, height: px.height },
    { ...(p.rescale ? { rescale: p.rescale } : {}), colormap: p.colormap, returnMask: p.returnMask },
  );
}

/** Pixels -> encoded image with the rendering parameters. */
export async function toImage(px: Pixels, p: RenderParams, format: ImageFormat): Promise<Buffer> {
  return encode(renderPixels(px, p), format);
}

/** Plans each input's read of `grid` (cheap, on the event loop); null for an input that misses the grid. */
export function planInputs(inputs: Input[], grid: DestGrid, p: RenderParams): Array<WarpPlan | null> {
  return inputs.map((inp) => {
    try {
      return planWarp(inp.dataset, grid, {
        bands: inp.bands,
        resampling: p.resampling,
        ...(p.nodata !== undefined ? { nodata: p.nodata } : {}),
      });
    } catch (e) {
      mapErrors(e);
    }
  });
}

/**
 * The I/O half of a tile: reads each planned window (through the caches). The arrays are the read's own
 * (fresh, never a cache's), so the task can move them to a render worker instead of copying
 * (`taskTransfers`).
 */
export async function readPlanned(inputs: Input[], plans: Array<WarpPlan | null>): Promise<TaskInput[]> {
  return Promise.all(
    inputs.map(async (inp, i): Promise<TaskInput> => {
      const plan = plans[i] ?? null;
      if (!plan) return { plan: null, bandCount: inp.bands.length, names: inp.names, data: [], mask: null };
      const r = await inp.dataset.read({
        level: plan.level,
        window: plan.window,
        bands: inp.bands,
        // Without a mask band or alpha, validity is judged from nodata while resampling.
        mask: plan.useMask,
      });
      return { plan, bandCount: inp.bands.length, names: inp.names, data: r.data, mask: r.mask };
    }),
  );
}

/** planInputs, then readPlanned. */
export async function readForTask(inputs: Input[], grid: DestGrid, p: RenderParams): Promise<TaskInput[]> {
  return readPlanned(inputs, planInputs(inputs, grid, p));
}
