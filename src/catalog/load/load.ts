/**
 * Bulk loading of STAC files into the catalog (what `terrahub stac load` runs): collections first, then
 * items in batches, each batch one transaction (all or nothing); then the touched collections' extents and
 * summaries grow to cover the items written (from what the workers gathered: no scan of the collection). Items go to `--collection` when given, else to their own
 * `collection` field.
 *
 * The work is a pipeline: the main thread reads the files in large chunks and cuts them into batches of
 * ndjson text; worker threads parse, validate (the same checks as the API) and compute each batch's rows;
 * the main thread writes the prepared batches in file order. The first bad item stops the load: its batch
 * and every later one are not written, the batches before it stay committed, and the error names the file,
 * line, item, JSON path and how many items were committed (rerun with --upsert to resume).
 */
import { availableParallelism } from 'node:os';
import type { Principal } from '../../core/identity/index.ts';
import type { CatalogService } from '../service.ts';
import { emptyStats, grownSummaries, mergeStats, type LoadStats } from './load-stats.ts';
import { joinUnits } from './batch.ts';
import type { Prepared } from './prepare.ts';
import { PreparePool } from './prepare.pool.ts';
import { scanStacFiles, stacFilesSize, textBatches, type StacFileSet } from './stac-files.ts';

export interface LoadOptions {
  collection?: string | undefined;
  upsert: boolean;
  /** Items per batch (one transaction). */
  batchSize: number;
  /**
   * Worker threads that prepare batches; 0 prepares them on the main thread. Default: one per core, none
   * for less than 8 MiB of files.
   */
  workers?: number | undefined;
  /** Called with the total first, then with each committed batch's size. */
  progress?: { start(total: number): void; advance(n: number): void; stop(): void };
}

export interface LoadResult {
  collections: number;
  items: number;
}

export function defaultLoadWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** Lines a worker prepares at a time: small enough to spread a batch over every worker. */
const UNIT = 500;
/** Bytes of input below which no workers are started (about 2,000 items of 4 KB). */
const SMALL_LOAD = 8 << 20;

export async function loadStac(
  catalog: CatalogService,
  p: Principal,
  path: string,
  o: LoadOptions,
): Promise<LoadResult> {
  // Started first, so that the workers boot (each compiles the schemas) while the files are scanned. They
  // are worth it from a few thousand items on; smaller loads are prepared right here.
  const workers = o.workers ?? (stacFilesSize(path) < SMALL_LOAD ? 0 : defaultLoadWorkers());
  const pool = new PreparePool(workers);
  const touched = new Map<string, LoadStats>();
  let items = 0;
  let files: StacFileSet;
  try {
    files = await scanStacFiles(path);
  } catch (e) {
    await pool.close();
    throw e;
  }
  const mode = o.upsert ? 'upsert' : 'create';
  const write = async (units: Array<Promise<Prepared>>) => {
    const batch = joinUnits(await Promise.all(units), items);
    await catalog.putCheckedRows(p, batch.groups, { mode });
    for (const [cid, st] of batch.stats) touched.set(cid, mergeStats(touched.get(cid) ?? emptyStats(), st));
    items += batch.items;
    o.progress?.advance(batch.items);
  };
  // A batch is `perBatch` units of one file; batches are written in file order, while the workers prepare
  // the units of the next ones (enough ahead to keep them busy while the main thread writes).
  const perBatch = Math.ceil(o.batchSize / UNIT);
  const unit = Math.ceil(o.batchSize / perBatch);
  const ahead = perBatch + 4 * Math.max(1, workers);
  const batches: Array<Array<Promise<Prepared>>> = [];
  let current: Array<Promise<Prepared>> = [];
  let currentFile = '';
  let inFlight = 0;
  o.progress?.start(files.itemCount);
  try {
    for (const c of files.collections) await catalog.upsertCollection(p, c, { mode });
    if (o.collection !== undefined) await catalog.getStoredCollection(p, o.collection);
    for await (const b of textBatches(files.itemFiles, unit)) {
      if (current.length && (current.length === perBatch || b.file !== currentFile)) {
        batches.push(current);
        current = [];
      }
      currentFile = b.file;
      const next = pool.submit({ ...b, collection: o.collection, checks: catalog.checks });
      next.catch(() => undefined); // awaited in order when its batch is written
      current.push(next);
      inFlight++;
      while (batches.length && inFlight >= ahead) {
        const head = batches.shift()!;
        inFlight -= head.length;
        await write(head);
      }
    }
    if (current.length) batches.push(current);
    for (const head of batches.splice(0)) await write(head);
  } finally {
    o.progress?.stop();
    await pool.close();
    // Committed batches count even when a later one failed: their collections' extents cover them.
    for (const [cid, st] of touched) {
      const c = await catalog.getCollection(p, cid);
      await catalog.growExtentBy(cid, st, grownSummaries(st, c.summaries));
    }
    await catalog.store.analyze([...touched.keys()]);
  }
  return { collections: files.collections.length, items };
}
