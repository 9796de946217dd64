/**
 * `terrahub mirror <stac api url> --collections a,b`: a slice of a STAC API copied into the catalog (and with
 * --copy-assets, the storage) of the local data directory. The work is src/stac-mirror/mirror.ts; this file
 * adapts the services and prints progress and a summary.
 */
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { TerraHubError } from '../../core/errors.ts';
import type { Services } from '../../server/services.ts';
import { mirror, type MirrorTarget } from '../../stac-mirror/mirror.ts';
import { StacSource } from '../../stac-mirror/stac-source.ts';
import { CliError, env, EXIT, withServices } from '../context.ts';
import { ensureOwnBucket, writerPrincipal } from '../local-writer.ts';

/** Catalog and storage of `s`, acting as user `userName` (with storage and catalog-writing rights). */
export function servicesMirrorTarget(s: Services, userName: string): MirrorTarget {
  const p = writerPrincipal(s, userName);
  return {
    ensureBucket: (bucket) => ensureOwnBucket(s, p, bucket),
    async ensureCollection(doc) {
      try {
        await s.catalog.getStoredCollection(p, String(doc['id']));
        return false;
      } catch (e) {
        if (!(e instanceof TerraHubError && e.code === 'TH_STAC_COLLECTION_NOT_FOUND')) throw e;
        await s.catalog.upsertCollection(p, doc, { mode: 'create' });
        return true;
      }
    },
    async head(bucket, key) {
      const h = await s.storage.headObject(p, bucket, key);
      return h ? { size: h.size, user: h.meta.user } : null;
    },
    async put(bucket, key, body, size, meta) {
      await s.storage.putObject(
        p,
        bucket,
        key,
        body,
        meta,
        size !== undefined ? { declaredLength: size } : {},
      );
    },
    async upsertItems(collection, items) {
      await s.catalog.upsertItems(p, collection, items);
    },
    async finish(collection) {
      await s.catalog.updateExtent(collection);
    },
  };
}

interface Flags {
  collections: string;
  bbox?: string;
  datetime?: string;
  limit?: string;
  copyAssets?: boolean;
  assets?: string;
  bucket?: string;
  sign?: boolean;
  concurrency: string;
  user: string;
  quiet?: boolean;
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer`, EXIT.usage);
  return n;
}

function parseBbox(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const b = v.split(',').map(Number);
  if ((b.length !== 4 && b.length !== 6) || b.some((x) => !Number.isFinite(x)))
    throw new CliError('--bbox must be west,south,east,north (4 or 6 numbers)', EXIT.usage);
  return b;
}

export function mirrorCommand(): Command {
  return new Command('mirror')
    .description('Copy a slice of a STAC API (collections, items, optionally assets) into this TerraHub')
    .argument('<url>', 'root of the source STAC API, e.g. https://earth-search.aws.element84.com/v1')
    .requiredOption('--collections <ids>', 'comma-separated collection ids to copy (created when missing)')
    .option('--bbox <w,s,e,n>', 'only items intersecting this WGS84 box')
    .option('--datetime <interval>', 'only items in this RFC 3339 instant or interval (a/b, ../b, a/..)')
    .option('--limit <n>', 'at most this many items in all')
    .option('--copy-assets', 'stream the assets into storage and point the hrefs there')
    .option('--assets <keys>', 'with --copy-assets: only these asset keys (comma-separated)')
    .option('--bucket <name>', 'bucket for copied assets (default: the collection id); created if missing')
    .option('--sign', "sign http(s) asset hrefs with the source's /api/sas/v1/sign (Planetary Computer)")
    .option('--concurrency <n>', 'assets copied at the same time', '4')
    .option('--user <name>', 'owner of the collections, bucket and items (a local user)', 'admin')
    .option('-q, --quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
The source token, if the source needs one, comes from MIRROR_TOKEN (never a flag: flags show in ps).
Items are upserted in batches of 50; an item whose asset fails is reported and left out, the others go on.
Copied assets go to s3://<bucket>/<collection>/<item>/<asset key><ext>; s3:// hrefs of the source are signed
through its /api/sas/v1/sign. A re-run skips assets already copied (same size and source ETag).
Exit code 1 when any item failed.`,
    )
    .action(async (url: string, f: Flags, cmd: Command) => {
      const collections = f.collections
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      if (!collections.length) throw new CliError('--collections names no collection', EXIT.usage);
      const limit = positiveInt(f.limit, '--limit');
      const concurrency = positiveInt(f.concurrency, '--concurrency') ?? 4;
      const source = new StacSource(url, env('MIRROR_TOKEN'));
      const bar =
        f.quiet || !process.stderr.isTTY
          ? null
          : new SingleBar({
              stream: process.stderr,
              format: 'mirror [{bar}] {value}/{total} items | {mb} MB',
              hideCursor: true,
            });
      let mb = 0;
      bar?.start(limit ?? 0, 0, { mb: '0' });
      const summary = await withServices(cmd, (s) =>
        mirror(source, servicesMirrorTarget(s, f.user), {
          collections,
          bbox: parseBbox(f.bbox),
          datetime: f.datetime,
          limit,
          copyAssets: Boolean(f.copyAssets),
          assets: f.assets?.split(',').map((a) => a.trim()),
          bucket: f.bucket,
          sign: Boolean(f.sign),
          concurrency,
          onBytes: (n) => {
            mb += n / 1e6;
          },
          onItem: (r) => {
            if (source.matched !== undefined) bar?.setTotal(source.matched);
            bar?.increment(1, { mb: mb.toFixed(1) });
            // Without a bar, failures show as they happen; with one, in the summary (not to tear the bar).
            if (r.status === 'failed' && !bar)
              process.stdout.write(`failed   ${r.collection}/${r.id}: ${r.error}\n`);
          },
        }),
      );
      bar?.stop();
      const items = summary.items;
      if (bar)
        for (const r of items.filter((x) => x.status === 'failed'))
          process.stdout.write(`failed   ${r.collection}/${r.id}: ${r.error}\n`);
      const n = (st: string) => items.filter((r) => r.status === st).length;
      const sum = (k: 'copied' | 'unchanged' | 'bytes') => items.reduce((a, r) => a + r[k], 0);
      if (summary.collectionsCreated.length)
        process.stdout.write(`created collection(s): ${summary.collectionsCreated.join(', ')}\n`);
      process.stdout.write(
        `${n('mirrored')} item(s) mirrored, ${n('failed')} failed` +
          (f.copyAssets
            ? `; assets: ${sum('copied')} copied, ${sum('unchanged')} unchanged, ${(sum('bytes') / 1e6).toFixed(1)} MB`
            : '') +
          '\n',
      );
      if (n('failed') > 0)
        throw new CliError(`${n('failed')} of ${items.length} item(s) failed`, EXIT.failed);
    });
}
