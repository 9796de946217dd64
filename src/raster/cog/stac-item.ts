/**
 * A STAC 1.0 item describing one COG: WGS84 footprint and bbox, the projection (v2), raster (v1.1), eo (v1.1)
 * and file (v2.1) extensions, and one asset. Statistics come from the smallest level with at least 512
 * pixels on a side (or full resolution), as rio-stac uses overviews: approximate but cheap on big scenes.
 */
import type { TiffDataset } from '../tiff/dataset.ts';
import { Tag } from '../tiff/tags.ts';
import { str } from '../tiff/ifd.ts';
import { wgs84Footprint, type Footprint } from './footprint.ts';
import { boundsOf } from './info.ts';

export const COG_MEDIA_TYPE = 'image/tiff; application=geotiff; profile=cloud-optimized';
const EXT = {
  proj: 'https://stac-extensions.github.io/projection/v2.0.0/schema.json',
  raster: 'https://stac-extensions.github.io/raster/v1.1.0/schema.json',
  eo: 'https://stac-extensions.github.io/eo/v1.1.0/schema.json',
  file: 'https://stac-extensions.github.io/file/v2.1.0/schema.json',
};

export interface ItemOptions {
  id: string;
  href: string;
  collection?: string | undefined;
  datetime: string;
  /** `file:size` and `file:checksum` (a sha2-256 multihash, hex). */
  file?: { size: number; sha256: string } | undefined;
  assetKey?: string | undefined;
}

export interface StacItemDoc {
  type: 'Feature';
  stac_version: '1.0.0';
  stac_extensions: string[];
  id: string;
  collection?: string;
  geometry: Footprint;
  bbox: [number, number, number, number];
  properties: Record<string, unknown>;
  assets: Record<string, Record<string, unknown>>;
  links: unknown[];
}

interface Stats {
  minimum: number;
  maximum: number;
  mean: number;
  stddev: number;
  valid_percent: number;
}

async function bandStatistics(ds: TiffDataset): Promise<(Stats | null)[]> {
  let level = ds.levels.length - 1;
  while (level > 0 && Math.max(ds.levels[level]?.width ?? 0, ds.levels[level]?.height ?? 0) < 512) level--;
  const l = ds.levels[level] as (typeof ds.levels)[number];
  const { data, mask } = await ds.read({
    level,
    window: { x: 0, y: 0, width: l.width, height: l.height },
    mask: true,
  });
  return data.map((d) => {
    let n = 0;
    let sum = 0;
    let sq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < d.length; i++) {
      const v = d[i] as number;
      if ((mask && mask[i] === 0) || Number.isNaN(v) || v === ds.nodata) continue;
      n++;
      sum += v;
      sq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (n === 0) return null;
    const mean = sum / n;
    return {
      minimum: min,
      maximum: max,
      mean,
      stddev: Math.sqrt(Math.max(0, sq / n - mean * mean)),
      valid_percent: (100 * n) / d.length,
    };
  });
}

/** GDAL writes TIFFTAG_DATETIME as "YYYY:MM:DD HH:MM:SS". */
export function tiffDatetime(ds: TiffDataset): string | null {
  const s = str((ds.images[0] as (typeof ds.images)[number]).ifd, Tag.DateTime);
  const m = s ? /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(s) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : null;
}

export async function createStacItem(ds: TiffDataset, o: ItemOptions): Promise<StacItemDoc> {
  if (!ds.crs || !ds.geoTransform)
    throw new Error('the raster is not georeferenced (no CRS or geotransform): it has no footprint');
  const gt = ds.geoTransform;
  const { geometry, bbox } = wgs84Footprint(ds.crs, gt, ds.width, ds.height);
  const stats = await bandStatistics(ds);
  const res = Math.hypot(gt[1], gt[4]);
  const rasterBands = ds.bands.map((b, i) => {
    const rb: Record<string, unknown> = { data_type: ds.dataType, spatial_resolution: res };
    if (b.nodata !== null)
      rb['nodata'] = Number.isNaN(b.nodata)
        ? 'nan'
        : b.nodata === Infinity
          ? 'inf'
          : b.nodata === -Infinity
            ? '-inf'
            : b.nodata;
    if (b.scale !== null) rb['scale'] = b.scale;
    if (b.offset !== null) rb['offset'] = b.offset;
    const s = stats[i];
    if (s) rb['statistics'] = s;
    return rb;
  });
  const common = ds.bands.map((b) =>
    b.colorInterp && ['red', 'green', 'blue'].includes(b.colorInterp) ? b.colorInterp : null,
  );
  const asset: Record<string, unknown> = {
    href: o.href,
    type: COG_MEDIA_TYPE,
    roles: ['data'],
    'raster:bands': rasterBands,
  };
  const extensions = [EXT.proj, EXT.raster];
  if (common.some((c) => c !== null)) {
    asset['eo:bands'] = ds.bands.map((b, i) => ({
      name: b.description || `b${i + 1}`,
      ...(common[i] ? { common_name: common[i] } : {}),
    }));
    extensions.push(EXT.eo);
  }
  if (o.file) {
    asset['file:size'] = o.file.size;
    asset['file:checksum'] = `1220${o.file.sha256}`;
    extensions.push(EXT.file);
  }
  const item: StacItemDoc = {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: extensions,
    id: o.id,
    geometry,
    bbox,
    properties: {
      datetime: o.datetime,
      'proj:code': ds.crs.epsg !== null ? `EPSG:${ds.crs.epsg}` : null,
      'proj:shape': [ds.height, ds.width],
      'proj:transform': [gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]],
      'proj:bbox': boundsOf(gt, ds.width, ds.height),
    },
    assets: { [o.assetKey ?? 'data']: asset },
    links: [],
  };
  if (o.collection) item.collection = o.collection;
  return item;
}

/** Compiles a strftime-like pattern (%Y %m %d %H %M %S %j) and finds the date in a file name. */
export function datetimeFromFilename(name: string, pattern: string): string | null {
  const parts: Record<string, string> = {
    Y: '(?<Y>\\d{4})',
    m: '(?<m>\\d{2})',
    d: '(?<d>\\d{2})',
    H: '(?<H>\\d{2})',
    M: '(?<M>\\d{2})',
    S: '(?<S>\\d{2})',
    j: '(?<j>\\d{3})',
  };
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '%' && i + 1 < pattern.length) {
      const k = pattern[++i] as string;
      re += parts[k] ?? k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const g = new RegExp(re).exec(name)?.groups;
  if (!g?.['Y']) return null;
  const y = Number(g['Y']);
  let date = new Date(
    Date.UTC(
      y,
      Number(g['m'] ?? 1) - 1,
      Number(g['d'] ?? 1),
      Number(g['H'] ?? 0),
      Number(g['M'] ?? 0),
      Number(g['S'] ?? 0),
    ),
  );
  if (g['j'])
    date = new Date(
      Date.UTC(y, 0, Number(g['j']), Number(g['H'] ?? 0), Number(g['M'] ?? 0), Number(g['S'] ?? 0)),
    );
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace('.000Z', 'Z');
}
