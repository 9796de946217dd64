/**
 * `terrahub ingest <files or dirs> --collection ID`: COGs into storage and items into the catalog of the
 * local data directory, in one command (the pipeline is src/raster/io/ingest.ts; this file adapts services).
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { TerraHubError } from '../../core/errors.ts';
import { parseCogOptions } from '../../raster/cog/options.ts';
import { datetimeFromFilename } from '../../raster/cog/stac-item.ts';
import { expandInputs, ingestFiles, type IngestTarget } from '../../raster/io/ingest.ts';
import { remoteIngestTarget, s3ClientFor } from '../../raster/io/ingest-remote.ts';
import { TerraHubClient } from '../../sdk/client.ts';
import type { Services } from '../../server/services.ts';
import { CliError, env, EXIT, withServices } from '../context.ts';
import { ensureOwnBucket, writerPrincipal } from '../local-writer.ts';

/** Storage and catalog of `s`, acting as user `userName` (with storage and catalog-writing rights). */
export function servicesIngestTarget(s: Services, userName: string): IngestTarget {
  const p = writerPrincipal(s, userName);
  return {
    ensureBucket: (bucket) => ensureOwnBucket(s, p, bucket),
    async ensureCollection(id, create) {
      try {
        await s.catalog.getStoredCollection(p, id);
      } catch (e) {
        if (!(e instanceof TerraHubError && e.code === 'TH_STAC_COLLECTION_NOT_FOUND') || !create) throw e;
        await s.catalog.upsertCollection(
          p,
          {
            type: 'Collection',
            stac_version: '1.0.0',
            id,
            description: `Rasters ingested with terrahub ingest`,
            license: 'other',
            extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
            links: [],
          },
          { mode: 'create' },
        );
      }
    },
    async storedSha256(bucket, key) {
      const h = await s.storage.headObject(p, bucket, key);
      return h?.meta.user['sha256'] ?? null;
    },
    async upload(bucket, key, path, size, sha256) {
      await s.storage.putObject(
        p,
        bucket,
        key,
        createReadStream(path),
        { contentType: 'image/tiff; application=geotiff; profile=cloud-optimized', user: { sha256 } },
        { declaredLength: size },
      );
    },
    async upsertItem(collection, item) {
      await s.catalog.upsertItems(p, collection, [item]);
    },
    async finish(collection) {
      await s.catalog.updateExtent(collection);
    },
  };
}

interface Flags {
  collection: string;
  bucket?: string;
  createCollection?: boolean;
  user: string;
  datetime?: string;
  datetimeFromFilename?: string;
  compress?: string;
  blocksize?: string;
  quiet?: boolean;
  url?: string;
  partSize: string;
  concurrency: string;
}

const MIB = 1024 * 1024;

export function ingestCommand(): Command {
  return new Command('ingest')
    .description(
      'Convert rasters to COGs, upload them to storage and describe them in the catalog, in one go',
    )
    .argument('<paths...>', 'files, or directories whose files are all ingested')
    .requiredOption('--collection <id>', 'catalog collection to put the items in')
    .option('--bucket <name>', 'storage bucket (default: the collection id); created if missing')
    .option('--create-collection', 'create the collection when it does not exist')
    .option(
      '--user <name>',
      'owner of the bucket and the items (a user of the local data directory)',
      'admin',
    )
    .option('--datetime <iso>', 'acquisition time of every item (default: TIFF DateTime tag, else now)')
    .option('--datetime-from-filename <pattern>', 'take each time from its file name, e.g. %Y%m%d')
    .option('--compress <codec>', 'codec for files that need converting (as cog create; default DEFLATE)')
    .option('--blocksize <n>', 'tile size for files that need converting (default 512)')
    .option('--url <hub url>', 'ingest into a running TerraHub over HTTP (token: TERRAHUB_TOKEN)')
    .option('--part-size <MiB>', 'with --url: multipart part size in MiB (at least 5)', '16')
    .option('--concurrency <n>', 'with --url: parts uploaded at the same time', '4')
    .option('-q, --quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Valid COGs are uploaded untouched; other GeoTIFFs are converted. Formats beyond TIFF (NetCDF, JPEG 2000, HDF...)
are accepted when gdal_translate (Debian: gdal-bin) is installed, with a clear error per file when it is not.
A re-run skips uploads whose sha256 is unchanged. Exit code 1 when any file failed (the others still go in).
Without --url, the local data directory is written directly (as --user). With --url, files go through the S3
endpoint as parallel multipart uploads that resume an interrupted upload of the same key, and items through
the STAC API, as the owner of TERRAHUB_TOKEN.`,
    )
    .action(async (paths: string[], f: Flags, cmd: Command) => {
      const cog = parseCogOptions({ compress: f.compress, blockSize: f.blocksize });
      const files = await expandInputs(paths);
      if (files.length === 0) throw new CliError('no input files', EXIT.usage);
      const datetime = (file: string): string => {
        if (f.datetimeFromFilename) {
          const d = datetimeFromFilename(basename(file), f.datetimeFromFilename);
          if (!d) throw new Error(`no date matching "${f.datetimeFromFilename}" in "${basename(file)}"`);
          return d;
        }
        return f.datetime ? new Date(f.datetime).toISOString() : new Date().toISOString();
      };
      const partSize = Number(f.partSize) * MIB;
      const concurrency = Number(f.concurrency);
      if (!(partSize >= 5 * MIB) || !Number.isFinite(partSize))
        throw new CliError('--part-size must be a number of MiB, at least 5', EXIT.usage);
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new CliError('--concurrency must be a positive integer', EXIT.usage);
      const bar =
        f.quiet || !process.stderr.isTTY
          ? null
          : new SingleBar({
              stream: process.stderr,
              format: 'ingest [{bar}] {value}/{total} files | {bytes} MB | ETA {eta}s',
              hideCursor: true,
            });
      let mb = 0;
      bar?.start(files.length, 0, { bytes: '0' });
      const opts = {
        collection: f.collection,
        bucket: f.bucket ?? f.collection,
        createCollection: Boolean(f.createCollection),
        cog,
        datetime,
        onFile: (_file: string, r: { bytes?: number }) => {
          if (!f.url) mb += (r.bytes ?? 0) / 1e6;
          bar?.increment(1, { bytes: mb.toFixed(1) });
        },
      };
      let results;
      if (f.url) {
        const th = new TerraHubClient({ url: f.url, token: env('TERRAHUB_TOKEN') });
        const s3 = await s3ClientFor(th);
        try {
          const onBytes = (n: number) => {
            mb += n / 1e6;
            bar?.update({ bytes: mb.toFixed(1) });
          };
          results = await ingestFiles(
            files,
            opts,
            remoteIngestTarget(th, s3, { partSize, concurrency, onBytes }),
          );
        } finally {
          s3.destroy();
        }
      } else {
        results = await withServices(cmd, (s) => ingestFiles(files, opts, servicesIngestTarget(s, f.user)));
      }
      bar?.stop();
      for (const r of results) {
        process.stdout.write(
          `${r.status.padEnd(9)} ${r.file}${r.href ? ` -> ${r.href}` : ''}${r.converted ? ' (converted)' : ''}${r.error ? `: ${r.error}` : ''}\n`,
        );
      }
      const n = (st: string): number => results.filter((r) => r.status === st).length;
      process.stdout.write(`${n('uploaded')} uploaded, ${n('unchanged')} unchanged, ${n('failed')} failed\n`);
      if (n('failed') > 0)
        throw new CliError(`${n('failed')} of ${results.length} file(s) failed`, EXIT.failed);
    });
}
