/**
 * Georeferencing from GeoTIFF tags (GeoKeys, tie points, pixel scale, model transformation) and GDAL's own
 * private tags (GDAL_NODATA, GDAL_METADATA), turned into the shapes of ../types.ts.
 */
import type { Crs, GeoTransform } from '../types.ts';
import { type Ifd, nums, str } from './ifd.ts';
import { projFromGeoKeys } from './geokeys-proj.ts';
import { GeoKey, Tag } from './tags.ts';

export type GeoKeys = Map<number, number | string | number[]>;

export function readGeoKeys(ifd: Ifd): GeoKeys {
  const keys: GeoKeys = new Map();
  const dir = nums(ifd, Tag.GeoKeyDirectory);
  if (!dir || dir.length < 4) return keys;
  const doubles = nums(ifd, Tag.GeoDoubleParams) ?? [];
  const ascii = str(ifd, Tag.GeoAsciiParams) ?? '';
  const n = dir[3] as number;
  for (let i = 0; i < n; i++) {
    const at = 4 + i * 4;
    if (at + 3 >= dir.length) break;
    const [id, loc, count, value] = dir.slice(at, at + 4) as [number, number, number, number];
    if (loc === 0) keys.set(id, value);
    else if (loc === Tag.GeoDoubleParams)
      keys.set(id, count === 1 ? (doubles[value] ?? NaN) : doubles.slice(value, value + count));
    else if (loc === Tag.GeoAsciiParams) keys.set(id, ascii.slice(value, value + count).replace(/\|$/, ''));
    else if (loc === Tag.GeoKeyDirectory) keys.set(id, dir.slice(value, value + count));
  }
  return keys;
}

/** GDAL's geotransform; PixelIsPoint files are shifted by half a pixel as GDAL does by default. */
export function readGeoTransform(ifd: Ifd, keys: GeoKeys): GeoTransform | null {
  let gt: GeoTransform | null = null;
  const m = nums(ifd, Tag.ModelTransformation);
  const tie = nums(ifd, Tag.ModelTiepoint);
  const scale = nums(ifd, Tag.ModelPixelScale);
  if (m && m.length >= 16) {
    gt = [m[3], m[0], m[1], m[7], m[4], m[5]] as GeoTransform;
  } else if (tie && tie.length >= 6 && scale && scale.length >= 2) {
    const [i, j, , x, y] = tie as [number, number, number, number, number];
    const [sx, sy] = scale as [number, number];
    gt = [x - i * sx, sx, 0, y + j * sy, 0, -sy];
  }
  if (gt && keys.get(GeoKey.GTRasterType) === 2) {
    gt[0] -= 0.5 * gt[1] + 0.5 * gt[2];
    gt[3] -= 0.5 * gt[4] + 0.5 * gt[5];
  }
  return gt;
}

export function readCrs(keys: GeoKeys): Crs | null {
  const pcs = keys.get(GeoKey.ProjectedCSType);
  const gcs = keys.get(GeoKey.GeographicType);
  const model = keys.get(GeoKey.GTModelType);
  if (typeof pcs === 'number' && pcs > 0 && pcs < 32767) return { epsg: pcs, definition: null };
  if (model !== 1 && typeof gcs === 'number' && gcs > 0 && gcs < 32767)
    return { epsg: gcs, definition: null };
  if (keys.size === 0) return null;
  // User-defined: a PROJ string from the projection parameters when they are complete enough.
  const proj = projFromGeoKeys(keys);
  if (proj) return { epsg: null, definition: proj };
  // Otherwise keep the citation so that callers can show something.
  const cit = keys.get(GeoKey.PCSCitation) ?? keys.get(GeoKey.GTCitation) ?? keys.get(GeoKey.GeogCitation);
  return { epsg: null, definition: typeof cit === 'string' ? cit : null };
}

/** GDAL_NODATA holds the value as text ("0", "-9999", "nan"). */
export function readNodata(ifd: Ifd): number | null {
  const s = str(ifd, Tag.GdalNodata);
  if (s === null) return null;
  const t = s.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

export interface GdalMetadataItem {
  name: string;
  /** 0-based band, or null for dataset metadata. */
  sample: number | null;
  role: string | null;
  value: string;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Items of GDAL's `<GDALMetadata><Item name=".." sample=".." role="..">value</Item>...` tag. */
export function readGdalMetadata(ifd: Ifd): GdalMetadataItem[] {
  const xml = str(ifd, Tag.GdalMetadata);
  if (!xml) return [];
  const items: GdalMetadataItem[] = [];
  for (const m of xml.matchAll(/<Item\s+([^>]*?)\s*(?:\/>|>([\s\S]*?)<\/Item>)/g)) {
    const attrs = new Map<string, string>();
    for (const a of (m[1] ?? '').matchAll(/(\w+)\s*=\s*"([^"]*)"/g))
      attrs.set(a[1] as string, unescapeXml(a[2] as string));
    const name = attrs.get('name');
    if (!name) continue;
    const sample = attrs.get('sample');
    items.push({
      name,
      sample: sample === undefined ? null : Number(sample),
      role: attrs.get('role') ?? null,
      value: unescapeXml(m[2] ?? ''),
    });
  }
  return items;
}
