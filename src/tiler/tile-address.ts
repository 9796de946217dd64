/**
 * What a tile path names (`/tiles/{tms}/{z}/{x}/{y}[@{scale}x][.{format}]`) and the integer query parameters
 * beside it, with the tiler's 400 errors. Shared by the layer routes (COG, item) and the mosaic routes.
 */
import { TerraHubError } from '../core/errors.ts';
import { parseFormat, type ImageFormat } from '../raster/render/encode.ts';
import { getTms, isValidTile, type TileMatrixSet } from '../raster/tms/tms.ts';
import { single, type Query } from './params.ts';

export function badParam(param: string, why: string): never {
  throw new TerraHubError('TH_TILER_BAD_PARAMETER', `${param}: ${why}`, { parameter: param });
}

export function intParam(q: Query, name: string, dflt: number, min: number, max: number): number {
  const s = single(q, name);
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) badParam(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** `12`, `12@2x`, `12.png`, `12@2x.webp` -> parts. */
export function parseTileY(s: string): { y: number; scale: number; format: ImageFormat | null } {
  const m = /^(\d+)(?:@([1-4])x)?(?:\.(\w+))?$/.exec(s);
  if (!m) throw new TerraHubError('TH_TILER_BAD_PARAMETER', `tile row "${s}" is not y[@scale x][.format]`);
  const format = m[3] ? parseFormat(m[3]) : null;
  if (m[3] && !format) badParam('format', `"${m[3]}" is not png, webp, jpeg or tif`);
  return { y: Number(m[1]), scale: m[2] ? Number(m[2]) : 1, format: format ?? null };
}

/**
 * The tile a `/tiles/{tms}/{z}/{x}/{y}[@{scale}x][.{format}]` path names, with its pixel size (`tilesize`
 * or 256 times the scale). Shared by the COG/item tiles and the mosaic tiles.
 */
export function parseTileAddress(
  q: Query,
  tmsId: string,
  zs: string,
  xs: string,
  ys: string,
): { tms: TileMatrixSet; z: number; x: number; y: number; size: number; format: ImageFormat | null } {
  const tms = getTms(tmsId);
  if (!tms) throw new TerraHubError('TH_TILER_UNKNOWN_TMS', `no tile matrix set "${tmsId}"`);
  const { y, scale, format } = parseTileY(ys);
  const z = Number(zs);
  const x = Number(xs);
  if (!/^\d+$/.test(zs) || !/^\d+$/.test(xs) || !isValidTile(tms, z, x, y))
    throw new TerraHubError('TH_TILER_OUTSIDE_DATA', `tile ${zs}/${xs}/${y} is not in ${tms.id}`);
  const size = intParam(q, 'tilesize', 256 * scale, 64, 1024);
  if (size % 256 !== 0) badParam('tilesize', 'tiles are 256 or 512 pixels (or 768, 1024 with @3x, @4x)');
  return { tms, z, x, y, size, format };
}
