/** What `cog info` reports about a raster: size, CRS, bounds, bands, data type, nodata, overviews, codec. */
import type { TiffDataset } from '../tiff/dataset.ts';
import { COMPRESSION_NAMES } from '../tiff/tags.ts';
import type { BandInfo, GeoTransform } from '../types.ts';
import { validateCog } from './validate.ts';

export interface RasterInfo {
  source: string;
  fileSize: number;
  width: number;
  height: number;
  bandCount: number;
  dataType: string;
  crs: { epsg: number | null; definition: string | null } | null;
  geoTransform: GeoTransform | null;
  /** [minX, minY, maxX, maxY] in the raster's CRS. */
  bounds: [number, number, number, number] | null;
  resolution: [number, number] | null;
  bands: (BandInfo & { band: number })[];
  compression: string;
  predictor: number;
  interleave: 'pixel' | 'band';
  tiled: boolean;
  blockSize: [number, number];
  overviews: [number, number][];
  mask: 'internal' | 'alpha' | 'nodata' | 'none';
  bigTiff: boolean;
  cog: { valid: boolean; errors: string[]; warnings: string[] };
}

export function boundsOf(gt: GeoTransform, width: number, height: number): [number, number, number, number] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [px, py] of [
    [0, 0],
    [width, 0],
    [0, height],
    [width, height],
  ] as const) {
    xs.push(gt[0] + px * gt[1] + py * gt[2]);
    ys.push(gt[3] + px * gt[4] + py * gt[5]);
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export async function rasterInfo(ds: TiffDataset): Promise<RasterInfo> {
  const main = ds.images[0] as (typeof ds.images)[number];
  const v = await validateCog(ds, { fullCheck: false });
  const gt = ds.geoTransform;
  return {
    source: ds.source.id.replace(/#.*$/, ''),
    fileSize: ds.source.size,
    width: ds.width,
    height: ds.height,
    bandCount: ds.bandCount,
    dataType: ds.dataType,
    crs: ds.crs,
    geoTransform: gt,
    bounds: gt ? boundsOf(gt, ds.width, ds.height) : null,
    resolution: gt ? [Math.hypot(gt[1], gt[4]), Math.hypot(gt[2], gt[5])] : null,
    bands: ds.bands.map((b, i) => ({ band: i + 1, ...b })),
    compression: COMPRESSION_NAMES[main.compression] ?? `code ${main.compression}`,
    predictor: main.predictor,
    interleave: main.planar === 2 ? 'band' : 'pixel',
    tiled: main.tiled,
    blockSize: [main.chunkWidth, main.chunkHeight],
    overviews: ds.levels.slice(1).map((l) => [l.width, l.height]),
    mask: ds.masks[0] ? 'internal' : ds.alphaBand !== null ? 'alpha' : ds.nodata !== null ? 'nodata' : 'none',
    bigTiff: ds.structure.bigTiff,
    cog: { valid: v.valid, errors: v.errors, warnings: v.warnings },
  };
}

/** A short human-readable report, one fact per line. */
export function formatInfo(i: RasterInfo): string {
  const crs = i.crs
    ? i.crs.epsg !== null
      ? `EPSG:${i.crs.epsg}`
      : `user-defined (${i.crs.definition ?? 'no name'})`
    : 'none';
  const lines = [
    `File:        ${i.source} (${i.fileSize} bytes${i.bigTiff ? ', BigTIFF' : ''})`,
    `Size:        ${i.width} x ${i.height}, ${i.bandCount} band(s) of ${i.dataType}`,
    `CRS:         ${crs}`,
    `Bounds:      ${i.bounds ? i.bounds.join(', ') : 'none (not georeferenced)'}`,
    `Resolution:  ${i.resolution ? i.resolution.join(' x ') : '-'}`,
    `Compression: ${i.compression}${i.predictor > 1 ? `, predictor ${i.predictor}` : ''}, ${i.interleave} interleaved`,
    `Layout:      ${i.tiled ? `tiled ${i.blockSize[0]}x${i.blockSize[1]}` : `strips of ${i.blockSize[1]} rows`}`,
    `Overviews:   ${i.overviews.length ? i.overviews.map(([w, h]) => `${w}x${h}`).join(', ') : 'none'}`,
    `Mask:        ${i.mask}`,
    `COG:         ${i.cog.valid ? 'valid' : 'not valid'}${i.cog.errors.length ? ` (${i.cog.errors[0]})` : ''}`,
  ];
  for (const b of i.bands) {
    const extra = [
      b.colorInterp,
      b.nodata !== null ? `nodata=${b.nodata}` : null,
      b.description,
      b.scale !== null ? `scale=${b.scale}` : null,
      b.offset !== null ? `offset=${b.offset}` : null,
    ];
    lines.push(`Band ${b.band}:      ${extra.filter((x) => x !== null && x !== '').join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
