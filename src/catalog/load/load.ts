/**
 * Bulk loading of STAC files into the catalog (what `terrahub stac load` runs): collections first, then
 * items in batches, each batch all or nothing; then the touched collections' extents and summaries grow to
 * cover their items. Items go to `--collection` when given, else to their own `collection` field.
 */
import { TerraHubError } from '../../core/errors.ts';
import type { Principal } from '../../core/identity/index.ts';
import type { CatalogService } from '../service.ts';
import { itemBatches, scanStacFiles } from './stac-files.ts';

export interface LoadOptions {
  collection?: string | undefined;
  upsert: boolean;
  batchSize: number;
  /** Called with the total first, then with each committed batch's size. */
  progress?: { start(total: number): void; advance(n: number): void; stop(): void };
}

export interface LoadResult {
  collections: number;
  items: number;
}

export async function loadStac(
  catalog: CatalogService,
  p: Principal,
  path: string,
  o: LoadOptions,
): Promise<LoadResult> {
  const files = await scanStacFiles(path);
  for (const c of files.collections)
    await catalog.upsertCollection(p, c, { mode: o.upsert ? 'upsert' : 'create' });
  const touched = new Set<string>();
  let items = 0;
  o.progress?.start(files.itemCount);
  try {
    for await (const batch of itemBatches(files.itemFiles, o.batchSize)) {
      // One batch may hold items of several collections: write each collection's part, in order.
      const groups = new Map<string, unknown[]>();
      for (const it of batch) {
        const cid = o.collection ?? (typeof it['collection'] === 'string' ? it['collection'] : undefined);
        if (!cid)
          throw new TerraHubError(
            'TH_BAD_REQUEST',
            `item ${JSON.stringify(it['id'])} names no collection: pass --collection`,
          );
        if (o.collection) it['collection'] = o.collection;
        if (!groups.has(cid)) groups.set(cid, []);
        groups.get(cid)!.push(it);
      }
      for (const [cid, group] of groups) {
        await catalog.upsertItems(p, cid, group, { mode: o.upsert ? 'upsert' : 'create' });
        touched.add(cid);
        items += group.length;
        o.progress?.advance(group.length);
      }
    }
  } finally {
    o.progress?.stop();
  }
  for (const cid of touched) await catalog.updateExtent(cid);
  return { collections: files.collections.length, items };
}
