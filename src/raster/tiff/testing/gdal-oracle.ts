/** Test helper: asks GDAL (Debian's python3-gdal) how it reads a raster, to compare ours against. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataType, PixelArray } from '../../types.ts';
import { typedView } from '../pixels.ts';

export const SYSTEM_PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
export const TESTDATA = join(here, '../../../../../shared/testdata/rasters');

export interface GdalMeta {
  width: number;
  height: number;
  bands: number;
  dtype: string;
  geotransform: number[] | null;
  epsg: number | null;
  nodata: number | null;
  overviews: [number, number][];
  mask_flags: number;
  descriptions: string[];
  scales: (number | null)[];
  offsets: (number | null)[];
  compression: string | null;
}

export interface GdalDump {
  meta: GdalMeta;
  band(band: number, level: number, dt: DataType): PixelArray;
  mask(level: number): Uint8Array;
  cleanup(): void;
}

export function gdalAvailable(): boolean {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import osgeo.gdal'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function gdalDump(path: string): GdalDump {
  const dir = mkdtempSync(join(tmpdir(), 'th-gdal-'));
  execFileSync(SYSTEM_PYTHON, [join(here, 'gdal_dump.py'), path, dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as GdalMeta;
  return {
    meta,
    band: (band, level, dt) =>
      typedView(dt, new Uint8Array(readFileSync(join(dir, `b${band}_l${level}.raw`)))),
    mask: (level) => new Uint8Array(readFileSync(join(dir, `mask_l${level}.raw`))),
    cleanup: () => {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Number of samples that differ (NaN equals NaN). */
export function countDiffs(a: PixelArray, b: PixelArray): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) n++;
  }
  return n;
}
