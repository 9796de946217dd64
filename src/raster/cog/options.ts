/**
 * `cog create` options, named as GDAL's COG driver names its creation options (-co KEY=VALUE), parsed and
 * checked once so that the writer only sees valid values.
 */
import { TerraHubError } from '../../core/errors.ts';
import type { DataType } from '../types.ts';

export type CogCompression = 'NONE' | 'DEFLATE' | 'LZW' | 'ZSTD' | 'WEBP' | 'JPEG';
export type CogResampling = 'NEAREST' | 'AVERAGE' | 'MODE' | 'BILINEAR';
export type CogPredictor = 'NO' | 'STANDARD' | 'FLOATING_POINT';
export type CogBigTiff = 'IF_NEEDED' | 'YES' | 'NO';

export interface CogOptions {
  /** Tile width and height in pixels (a multiple of 16); GDAL's BLOCKSIZE. */
  blockSize: number;
  compress: CogCompression;
  /** Compression level (DEFLATE 1-12 mapped to zlib's 1-9, ZSTD 1-22); null for the codec's default. */
  level: number | null;
  /** JPEG quality, 1-100 (GDAL's QUALITY; default 75). */
  quality: number;
  predictor: CogPredictor;
  overviewResampling: CogResampling;
  /** Overrides the source's nodata; `'none'` removes it. */
  nodata: number | 'none' | null;
  bigTiff: CogBigTiff;
  /** Workers for compression (default: the machine's cores). */
  threads: number | null;
}

export const DEFAULT_COG_OPTIONS: CogOptions = {
  blockSize: 512,
  compress: 'DEFLATE',
  level: null,
  quality: 75,
  predictor: 'NO',
  overviewResampling: 'NEAREST',
  nodata: null,
  bigTiff: 'IF_NEEDED',
  threads: null,
};

function bad(msg: string): TerraHubError {
  return new TerraHubError('TH_BAD_REQUEST', msg);
}

function oneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  const u = v.toUpperCase();
  if (!(allowed as readonly string[]).includes(u))
    throw bad(`--${name} must be one of ${allowed.join(', ')} (got "${v}")`);
  return u as T;
}

/** Options from CLI strings; `YES` for the predictor means the one that suits the data type, as in GDAL. */
export function parseCogOptions(
  raw: Partial<Record<keyof CogOptions, string | undefined>>,
): Partial<CogOptions> & {
  predictorAuto?: boolean;
} {
  const o: Partial<CogOptions> & { predictorAuto?: boolean } = {};
  if (raw.blockSize !== undefined) {
    const n = Number(raw.blockSize);
    if (!Number.isInteger(n) || n < 16 || n > 4096 || n % 16 !== 0) {
      throw bad(`--blocksize must be a multiple of 16 between 16 and 4096 (got "${raw.blockSize}")`);
    }
    o.blockSize = n;
  }
  if (raw.compress !== undefined)
    o.compress = oneOf<CogCompression>('compress', raw.compress, [
      'NONE',
      'DEFLATE',
      'LZW',
      'ZSTD',
      'WEBP',
      'JPEG',
    ]);
  if (raw.level !== undefined) {
    const n = Number(raw.level);
    if (!Number.isInteger(n) || n < 1 || n > 22)
      throw bad(`--level must be an integer from 1 to 22 (got "${raw.level}")`);
    o.level = n;
  }
  if (raw.quality !== undefined) {
    const n = Number(raw.quality);
    if (raw.quality.trim() === '' || !Number.isInteger(n) || n < 1 || n > 100)
      throw bad(`--quality must be an integer from 1 to 100 (got "${raw.quality}")`);
    o.quality = n;
  }
  if (raw.predictor !== undefined) {
    const p = raw.predictor.toUpperCase();
    if (p === 'YES') o.predictorAuto = true;
    else if (p === '1' || p === 'NO') o.predictor = 'NO';
    else if (p === '2' || p === 'STANDARD') o.predictor = 'STANDARD';
    else if (p === '3' || p === 'FLOATING_POINT') o.predictor = 'FLOATING_POINT';
    else throw bad(`--predictor must be YES, NO, STANDARD or FLOATING_POINT (got "${raw.predictor}")`);
  }
  if (raw.overviewResampling !== undefined) {
    o.overviewResampling = oneOf<CogResampling>('overview-resampling', raw.overviewResampling, [
      'NEAREST',
      'AVERAGE',
      'MODE',
      'BILINEAR',
    ]);
  }
  if (raw.nodata !== undefined) {
    const t = raw.nodata.trim().toLowerCase();
    if (t === 'none') o.nodata = 'none';
    else if (t === 'nan') o.nodata = NaN;
    else {
      const n = Number(t);
      if (t === '' || Number.isNaN(n))
        throw bad(`--nodata must be a number, nan or none (got "${raw.nodata}")`);
      o.nodata = n;
    }
  }
  if (raw.bigTiff !== undefined)
    o.bigTiff = oneOf<CogBigTiff>('bigtiff', raw.bigTiff, ['IF_NEEDED', 'YES', 'NO']);
  if (raw.threads !== undefined) {
    const n = raw.threads.toUpperCase() === 'ALL_CPUS' ? 0 : Number(raw.threads);
    if (!Number.isInteger(n) || n < 0 || n > 256)
      throw bad(`--threads must be a positive integer or ALL_CPUS (got "${raw.threads}")`);
    o.threads = n === 0 ? null : n;
  }
  return o;
}

/**
 * Completes options for a source of `dataType` and `bands` bands (`alphaLast`: the last band is an alpha
 * band), rejecting combinations that cannot work.
 */
export function resolveCogOptions(
  given: Partial<CogOptions> & { predictorAuto?: boolean },
  dataType: DataType,
  bands: number,
  alphaLast = false,
): CogOptions {
  const o: CogOptions = { ...DEFAULT_COG_OPTIONS, ...given };
  const isFloat = dataType === 'float32' || dataType === 'float64';
  if (given.predictorAuto) o.predictor = isFloat ? 'FLOATING_POINT' : 'STANDARD';
  if (o.predictor === 'FLOATING_POINT' && !isFloat)
    throw bad('--predictor FLOATING_POINT needs float32 or float64 data');
  if (o.predictor !== 'NO' && (o.compress === 'NONE' || o.compress === 'WEBP' || o.compress === 'JPEG')) {
    throw bad(`--predictor has no effect with --compress ${o.compress}`);
  }
  if (o.compress === 'WEBP' && (dataType !== 'uint8' || (bands !== 3 && bands !== 4))) {
    throw bad('--compress WEBP needs 3 or 4 bands of uint8 (RGB or RGBA)');
  }
  // JPEG has no alpha: as GDAL's COG driver, an alpha band becomes the per-dataset mask (see jpeg-tile.ts).
  if (o.compress === 'JPEG' && (dataType !== 'uint8' || !(bands === 3 || (bands === 4 && alphaLast)))) {
    throw bad(
      `--compress JPEG needs 3 bands of uint8 (RGB), or 4 with the 4th an alpha band (RGBA); the source has ${bands} band(s) of ${dataType}${bands === 4 && !alphaLast ? ' and no alpha band' : ''}`,
    );
  }
  if (given.quality !== undefined && o.compress !== 'JPEG')
    throw bad('--quality applies to --compress JPEG only');
  if (o.level !== null && o.compress === 'DEFLATE' && o.level > 12)
    throw bad('--level for DEFLATE is 1 to 12');
  return o;
}
