/**
 * Test helper: the reference tile as GDAL makes it. Runs Debian's gdalwarp to raw (ENVI) output with an
 * alpha band, so a test compares our pixels against GDAL's byte for byte without any of our own readers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GdalTile {
  /** One array per band (the source's data type, little-endian raw). */
  bands: Array<Uint8Array | Uint16Array>;
  /** 255 where GDAL wrote data, 0 elsewhere. */
  alpha: Uint8Array;
}

export function gdalAvailable(): boolean {
  try {
    execFileSync('gdalwarp', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function gdalwarpTile(
  file: string,
  opts: {
    tSrs: string;
    bounds: [number, number, number, number];
    size: number;
    resampling: 'near' | 'bilinear' | 'cubic';
    bandCount: number;
    dataType: 'uint8' | 'uint16';
  },
): GdalTile {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-gdal-'));
  try {
    const out = join(dir, 'tile.raw');
    execFileSync(
      'gdalwarp',
      [
        '-q',
        '-t_srs',
        opts.tSrs,
        '-te',
        ...opts.bounds.map((v) => v.toFixed(10)),
        '-ts',
        String(opts.size),
        String(opts.size),
        '-r',
        opts.resampling,
        '-dstalpha',
        '-of',
        'ENVI',
        file,
        out,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const raw = readFileSync(out);
    const n = opts.size * opts.size;
    const bpp = opts.dataType === 'uint8' ? 1 : 2;
    const bands: Array<Uint8Array | Uint16Array> = [];
    for (let b = 0; b < opts.bandCount; b++) {
      const slice = raw.subarray(b * n * bpp, (b + 1) * n * bpp);
      bands.push(bpp === 1 ? new Uint8Array(slice) : new Uint16Array(new Uint8Array(slice).buffer));
    }
    const alphaRaw = raw.subarray(opts.bandCount * n * bpp, (opts.bandCount + 1) * n * bpp);
    const alpha = new Uint8Array(n);
    for (let i = 0; i < n; i++) alpha[i] = bpp === 1 ? alphaRaw[i]! : alphaRaw[i * 2]! | alphaRaw[i * 2 + 1]!;
    for (let i = 0; i < n; i++) alpha[i] = alpha[i] ? 255 : 0;
    return { bands, alpha };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
