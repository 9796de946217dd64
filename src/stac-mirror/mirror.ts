/**
 * `terrahub mirror`: a slice of a STAC API copied into this TerraHub. The collections are created when
 * missing; items are read page by page and upserted in batches; with `copyAssets`, each item's assets are
 * streamed into storage first (several at a time) and its hrefs rewritten to `s3://bucket/key`. An item whose
 * asset fails is reported and left out, and the others go on; a re-run skips assets already copied.
 * This TerraHub comes in through `MirrorTarget` (its services in the CLI and in tests).
 */
import { extname } from 'node:path';
import { TerraHubError } from '../core/errors.ts';
import { copyAsset, type AssetSink } from './copy-asset.ts';
import type { SliceQuery, StacSource } from './stac-source.ts';

type Json = Record<string, unknown>;

export interface MirrorTarget extends AssetSink {
  ensureBucket(bucket: string): Promise<void>;
  /** Creates the collection unless it exists; true when it was created. */
  ensureCollection(doc: Json): Promise<boolean>;
  /** Writes a batch of items, all or none. */
  upsertItems(collection: string, items: Json[]): Promise<void>;
  /** Grows the collection's extent to hold its items. */
  finish(collection: string): Promise<void>;
}

export interface MirrorOptions extends SliceQuery {
  copyAssets: boolean;
  /** Only these asset keys are copied (undefined: all). */
  assets?: string[] | undefined;
  /** Bucket for copied assets (default: the collection id). */
  bucket?: string | undefined;
  /** Sign http(s) hrefs through the source's signing service too (the Planetary Computer). */
  sign?: boolean;
  /** Assets copied at the same time. */
  concurrency?: number;
  /** Items upserted per batch. */
  batchSize?: number;
  onItem?: (r: MirrorItemResult) => void;
  onBytes?: (n: number) => void;
}

export interface MirrorItemResult {
  collection: string;
  id: string;
  status: 'mirrored' | 'failed';
  copied: number;
  unchanged: number;
  bytes: number;
  error?: string;
}

export interface MirrorSummary {
  collectionsCreated: string[];
  items: MirrorItemResult[];
}

/** Links that describe where a document sits in the source API; this TerraHub makes its own. */
const STRUCTURAL = new Set(['self', 'root', 'parent', 'collection', 'items', 'child', 'next', 'prev']);

function ownLinks(doc: Json): Json[] {
  const links = Array.isArray(doc['links']) ? (doc['links'] as Json[]) : [];
  return links.filter((l) => !STRUCTURAL.has(String(l['rel'])));
}

/** At most `n` asset copies at a time across the whole run (items of a batch are mirrored together). */
export class Limiter {
  private active = 0;
  private waiting: Array<() => void> = [];
  constructor(private readonly n: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Storage key of an asset: `<collection>/<item>/<asset key><extension of the source file>`. */
export function assetKey(collection: string, item: string, key: string, href: string): string {
  let ext = '';
  try {
    ext = extname(new URL(href).pathname);
  } catch {
    ext = extname(href.split(/[?#]/)[0]!);
  }
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._=-]+/g, '_');
  return `${safe(collection)}/${safe(item)}/${safe(key)}${/^\.[A-Za-z0-9]{1,8}$/.test(ext) ? ext : ''}`;
}

/** Copies the item's assets and returns it rewritten for this TerraHub; throws on the first failed asset. */
async function mirrorItem(
  source: StacSource,
  t: MirrorTarget,
  raw: Json,
  o: MirrorOptions,
  r: MirrorItemResult,
  limiter: Limiter,
): Promise<Json> {
  const item: Json = { ...raw, collection: r.collection, links: ownLinks(raw) };
  const self = (raw['links'] as Json[] | undefined)?.find((l) => l['rel'] === 'self')?.['href'];
  const base = typeof self === 'string' ? self : source.root + '/';
  const assets: Record<string, Json> = {};
  for (const [k, a] of Object.entries((raw['assets'] ?? {}) as Record<string, Json>)) {
    let href = String(a['href']);
    // Relative hrefs are relative to the item's own URL.
    if (!/^[a-z][a-z0-9+.-]*:/i.test(href)) href = new URL(href, base).toString();
    assets[k] = { ...a, href };
  }
  item['assets'] = assets;
  if (!o.copyAssets) return item;
  const bucket = o.bucket ?? r.collection;
  const wanted = Object.entries(assets).filter(([k]) => !o.assets || o.assets.includes(k));
  const jobs = wanted.map(async ([k, a]) => {
    const href = String(a['href']);
    const key = assetKey(r.collection, r.id, k, href);
    const type = typeof a['type'] === 'string' ? a['type'] : undefined;
    const done = await limiter
      .run(() =>
        copyAsset(
          source,
          t,
          { href, bucket, key, type },
          {
            sign: o.sign ?? false,
            ...(o.onBytes ? { onBytes: o.onBytes } : {}),
          },
        ),
      )
      .catch((e: unknown) => new Error(`asset "${k}": ${(e as Error).message}`));
    if (done instanceof Error) return done;
    r[done.status === 'copied' ? 'copied' : 'unchanged']++;
    r.bytes += done.bytes;
    assets[k] = { ...a, href: `s3://${bucket}/${key}` };
    return null;
  });
  const failed = (await Promise.all(jobs)).find((x) => x instanceof Error);
  if (failed) throw failed;
  return item;
}

/** Upserts a batch; when the batch is refused, item by item, so one bad item fails alone. */
async function upsertBatch(t: MirrorTarget, batch: Array<{ r: MirrorItemResult; item: Json }>) {
  const byCollection = new Map<string, typeof batch>();
  for (const b of batch) byCollection.set(b.r.collection, [...(byCollection.get(b.r.collection) ?? []), b]);
  for (const [collection, group] of byCollection) {
    try {
      await t.upsertItems(
        collection,
        group.map((g) => g.item),
      );
    } catch {
      for (const g of group) {
        await t.upsertItems(collection, [g.item]).catch((e: unknown) => {
          g.r.status = 'failed';
          g.r.error = (e as Error).message;
        });
      }
    }
  }
}

export async function mirror(source: StacSource, t: MirrorTarget, o: MirrorOptions): Promise<MirrorSummary> {
  const created: string[] = [];
  for (const id of o.collections) {
    const doc = await source.collection(id);
    if (await t.ensureCollection({ ...doc, links: ownLinks(doc) })) created.push(id);
    if (o.copyAssets) await t.ensureBucket(o.bucket ?? id);
  }
  const results: MirrorItemResult[] = [];
  const limiter = new Limiter(o.concurrency ?? 4);
  const batchSize = o.batchSize ?? 50;
  let pending: Array<Promise<{ r: MirrorItemResult; item: Json | null }>> = [];
  const flush = async () => {
    const done = await Promise.all(pending);
    pending = [];
    const ok = done.filter((d): d is { r: MirrorItemResult; item: Json } => d.item !== null);
    if (ok.length) await upsertBatch(t, ok);
    for (const d of done) {
      results.push(d.r);
      o.onItem?.(d.r);
    }
  };
  for await (const raw of source.items(o)) {
    const r: MirrorItemResult = {
      collection: typeof raw['collection'] === 'string' ? raw['collection'] : (o.collections[0] ?? ''),
      id: String(raw['id']),
      status: 'mirrored',
      copied: 0,
      unchanged: 0,
      bytes: 0,
    };
    if (!o.collections.includes(r.collection)) {
      throw new TerraHubError(
        'TH_MIRROR_SOURCE',
        `the source answered item "${r.id}" of collection "${r.collection}", which was not asked for`,
      );
    }
    pending.push(
      mirrorItem(source, t, raw, o, r, limiter).then(
        (item) => ({ r, item }),
        (e: unknown) => {
          r.status = 'failed';
          r.error = (e as Error).message;
          return { r, item: null };
        },
      ),
    );
    if (pending.length >= batchSize) await flush();
  }
  await flush();
  for (const id of o.collections) await t.finish(id);
  return { collectionsCreated: created, items: results };
}
