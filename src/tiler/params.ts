/**
 * Query parameters of the data API, parsed once into typed options, the way TiTiler names them: bidx,
 * expression, rescale, colormap_name, colormap, nodata, resampling, return_mask, format, tilesize,
 * assets, asset_bidx. Every bad value is a 400 naming the parameter.
 */
import { TerraHubError } from '../core/errors.ts';
import {
  namedColormap,
  parseColormap,
  ColormapError,
  type ColorLookup,
} from '../raster/colormap/colormap.ts';
import { ExpressionError, parseExpressions, variables, type Node } from '../raster/expr/parse.ts';
import { parseFormat, type ImageFormat } from '../raster/render/encode.ts';
import { RESAMPLING_METHODS, type Resampling } from '../raster/warp/resample.ts';

export type Query = Record<string, string | string[] | undefined>;

export interface Expression {
  source: string;
  trees: Node[];
  names: string[];
}

export interface RenderParams {
  bidx: number[] | null;
  expression: Expression | null;
  rescale: Array<[number, number]> | undefined;
  colormap: ColorLookup | null;
  nodata: number | null | undefined;
  resampling: Resampling;
  returnMask: boolean;
  format: ImageFormat | null;
  assets: string[] | null;
  /** asset -> 1-based band indexes. */
  assetBidx: Map<string, number[]>;
}

function bad(param: string, why: string): never {
  throw new TerraHubError('TH_TILER_BAD_PARAMETER', `${param}: ${why}`, { parameter: param });
}

/** All values of a parameter, repeated or comma-joined where `split` says so. */
export function values(q: Query, name: string): string[] {
  const v = q[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function single(q: Query, name: string): string | undefined {
  const v = values(q, name);
  if (v.length > 1) bad(name, 'given more than once');
  return v[0];
}

function number(param: string, s: string): number {
  const n = Number(s.trim());
  if (s.trim() === '' || !Number.isFinite(n)) bad(param, `"${s}" is not a number`);
  return n;
}

function bandIndexes(param: string, list: string[]): number[] {
  return list
    .flatMap((s) => s.split(','))
    .map((s) => {
      const n = number(param, s);
      if (!Number.isInteger(n) || n < 1) bad(param, `band indexes start at 1 ("${s}")`);
      return n;
    });
}

export function parseExpression(src: string): Expression {
  try {
    const trees = parseExpressions(src);
    return { source: src, trees, names: variables(trees) };
  } catch (e) {
    if (e instanceof ExpressionError) {
      throw new TerraHubError('TH_TILER_BAD_EXPRESSION', `expression: ${e.message}`, {
        token: e.token,
        position: e.position,
      });
    }
    throw e;
  }
}

export function parseRenderParams(q: Query): RenderParams {
  const bidxList = values(q, 'bidx');
  const exprSrc = single(q, 'expression');
  const rescaleList = values(q, 'rescale');
  const rescale = rescaleList.length
    ? rescaleList.map((r): [number, number] => {
        const parts = r.split(',');
        if (parts.length !== 2) bad('rescale', `"${r}" is not "min,max"`);
        return [number('rescale', parts[0]!), number('rescale', parts[1]!)];
      })
    : undefined;
  let colormap: ColorLookup | null = null;
  const cmName = single(q, 'colormap_name');
  const cmJson = single(q, 'colormap');
  if (cmName && cmJson) bad('colormap', 'give colormap_name or colormap, not both');
  if (cmName) {
    const rgba = namedColormap(cmName);
    if (!rgba) bad('colormap_name', `unknown colormap "${cmName}" (GET /colorMaps lists them)`);
    colormap = { kind: 'table', rgba };
  } else if (cmJson) {
    try {
      colormap = parseColormap(cmJson);
    } catch (e) {
      if (e instanceof ColormapError) bad('colormap', e.message);
      throw e;
    }
  }
  const nodataS = single(q, 'nodata');
  const nodata =
    nodataS === undefined ? undefined : nodataS.toLowerCase() === 'nan' ? NaN : number('nodata', nodataS);
  const resamplingS = single(q, 'resampling') ?? single(q, 'resampling_method') ?? 'nearest';
  if (!(RESAMPLING_METHODS as readonly string[]).includes(resamplingS))
    bad('resampling', `"${resamplingS}" is not one of ${RESAMPLING_METHODS.join(', ')}`);
  const rm = single(q, 'return_mask');
  if (rm !== undefined && !['true', 'false', '1', '0'].includes(rm.toLowerCase()))
    bad('return_mask', 'must be true or false');
  const formatS = single(q, 'format');
  const format = formatS === undefined ? null : parseFormat(formatS);
  if (formatS !== undefined && !format) bad('format', `"${formatS}" is not png, webp, jpeg or tif`);
  const assets = values(q, 'assets')
    .flatMap((a) => a.split(','))
    .filter(Boolean);
  const assetBidx = new Map<string, number[]>();
  for (const ab of values(q, 'asset_bidx')) {
    const [name, list] = ab.split('|');
    if (!name || !list) bad('asset_bidx', `"${ab}" is not "asset|1,2,3"`);
    assetBidx.set(name, bandIndexes('asset_bidx', [list]));
  }
  return {
    bidx: bidxList.length ? bandIndexes('bidx', bidxList) : null,
    expression: exprSrc ? parseExpression(exprSrc) : null,
    rescale,
    colormap,
    nodata,
    resampling: resamplingS as Resampling,
    returnMask: rm === undefined ? true : ['true', '1'].includes(rm.toLowerCase()),
    format: format ?? null,
    assets: assets.length ? assets : null,
    assetBidx,
  };
}
