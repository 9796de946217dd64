/**
 * `terrahub ingest`: for each input, a COG (valid COGs go untouched, others are converted; non-TIFF formats go
 * through gdal_translate when it is installed), uploaded to storage, described as a STAC item whose asset
 * href points into storage, and upserted into the catalog. A re-run skips uploads whose sha256 matches; a
 * failing file is reported and the others go on. Storage and catalog come in through `IngestTarget`.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { TerraHubError } from '../../core/errors.ts';
import type { CogOptions } from '../cog/options.ts';
import { createStacItem, type StacItemDoc } from '../cog/stac-item.ts';
import { validateCog } from '../cog/validate.ts';
import { openTiff } from '../tiff/dataset.ts';
import { createCogFile } from './create-cog.ts';
import { fileSource } from './file-source.ts';

export interface IngestTarget {
  ensureBucket(bucket: string): Promise<void>;
  ensureCollection(id: string, create: boolean): Promise<void>;
  /** The sha256 recorded with an object, or null when it is absent. */
  storedSha256(bucket: string, key: string): Promise<string | null>;
  upload(bucket: string, key: string, path: string, size: number, sha256: string): Promise<void>;
  upsertItem(collection: string, item: StacItemDoc): Promise<void>;
  /** Grows the collection's extent and summaries once all items are in. */
  finish(collection: string): Promise<void>;
}

export interface IngestOptions {
  collection: string;
  bucket: string;
  createCollection: boolean;
  cog: Partial<CogOptions>;
  datetime: (file: string) => string;
  onFile?: (file: string, status: IngestFileResult) => void;
}

export interface IngestFileResult {
  file: string;
  status: 'uploaded' | 'unchanged' | 'failed';
  converted: boolean;
  href?: string;
  bytes?: number;
  error?: string;
}

/** GDAL's sidecar files, which belong to a raster beside them and are not rasters themselves. */
const SIDECAR = /\.(aux\.xml|ovr|msk|hdr|prj|tfw|wld)$/i;

/** Files named on the command line, with directories expanded (not recursively) to the files in them. */
export async function expandInputs(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (s?.isDirectory()) {
      for (const n of (await readdir(p)).sort())
        if (!n.startsWith('.') && !SIDECAR.test(n) && (await stat(join(p, n))).isFile()) out.push(join(p, n));
    } else out.push(p);
  }
  return out;
}

function gdalTranslateAvailable(): boolean {
  try {
    execFileSync('gdal_translate', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

async function isTiff(path: string): Promise<boolean> {
  const src = await fileSource(path);
  try {
    const b = await src.read(0, 4);
    const s = String.fromCharCode(...b);
    return s === 'II*\0' || s === 'MM\0*' || s === 'II+\0' || s === 'MM\0+';
  } finally {
    await src.close();
  }
}

async function ingestOne(
  file: string,
  o: IngestOptions,
  t: IngestTarget,
  tmp: string,
): Promise<IngestFileResult> {
  let input = file;
  if (!(await isTiff(file))) {
    if (!gdalTranslateAvailable()) {
      throw new TerraHubError(
        'TH_RASTER_UNSUPPORTED',
        `${basename(file)} is not a TIFF; other formats need gdal_translate (Debian: gdal-bin)`,
      );
    }
    input = join(tmp, `${basename(file)}.gtiff.tif`);
    try {
      execFileSync('gdal_translate', ['-q', '-of', 'GTiff', file, input], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (e) {
      throw new TerraHubError(
        'TH_RASTER_INVALID_TIFF',
        `gdal_translate could not read ${basename(file)}: ${String((e as { stderr?: Buffer }).stderr ?? '').trim()}`,
      );
    }
  }
  let cogPath = input;
  const src = await fileSource(input);
  let valid: boolean;
  try {
    valid = (await validateCog(await openTiff(src), { fullCheck: true })).valid;
  } finally {
    await src.close();
  }
  if (!valid) {
    cogPath = join(tmp, `${basename(file)}.cog.tif`);
    await createCogFile(input, cogPath, o.cog);
  }
  const id = basename(file, extname(file));
  const key = `${o.collection}/${id}.tif`;
  const size = (await stat(cogPath)).size;
  const sha = await sha256(cogPath);
  const unchanged = (await t.storedSha256(o.bucket, key)) === sha;
  if (!unchanged) await t.upload(o.bucket, key, cogPath, size, sha);
  const href = `s3://${o.bucket}/${key}`;
  const cog = await fileSource(cogPath);
  try {
    const item = await createStacItem(await openTiff(cog), {
      id,
      href,
      collection: o.collection,
      datetime: o.datetime(file),
      file: { size, sha256: sha },
    });
    await t.upsertItem(o.collection, item);
  } finally {
    await cog.close();
  }
  return {
    file,
    status: unchanged ? 'unchanged' : 'uploaded',
    converted: !valid || input !== file,
    href,
    bytes: size,
  };
}

export async function ingestFiles(
  files: string[],
  o: IngestOptions,
  t: IngestTarget,
): Promise<IngestFileResult[]> {
  await t.ensureBucket(o.bucket);
  await t.ensureCollection(o.collection, o.createCollection);
  const results: IngestFileResult[] = [];
  for (const file of files) {
    const tmp = await mkdtemp(join(tmpdir(), 'th-ingest-'));
    let r: IngestFileResult;
    try {
      r = await ingestOne(file, o, t, tmp);
    } catch (e) {
      r = { file, status: 'failed', converted: false, error: (e as Error).message };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    results.push(r);
    o.onFile?.(file, r);
  }
  if (results.some((r) => r.status !== 'failed')) await t.finish(o.collection);
  return results;
}
