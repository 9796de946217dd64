/**
 * The STAC catalog: model, validation, CQL2, CatalogStore drivers, the CatalogService and the STAC API.
 *
 * Other areas use `services.catalog` (a CatalogService). Its stable surface, every method taking the calling
 * Principal (use `systemPrincipal()` for trusted internal work such as ingest run by the server itself):
 *
 * - `getCollection(p, id)` -> StacCollection (404 TH_STAC_COLLECTION_NOT_FOUND when absent or private to others)
 * - `upsertCollection(p, doc, {mode?: 'create'|'replace'|'upsert', ifMatch?})` -> StoredCollection
 * - `upsertItems(p, collectionId, items[], {mode?})` -> StoredItem[]: one batch, all or nothing
 * - `getItem(p, collectionId, itemId)` -> StacItem
 * - `search(p, searchBody)` -> {items, next (token or null), numberMatched, numberMatchedExact}; pass
 *   `{...searchBody, token: next}` for the next page. The body is the STAC POST /search form.
 * - `updateExtent(collectionId)` grows the collection's spatial/temporal extent and summaries from its items.
 *
 * @example
 *   const page = await services.catalog.search(principal, { collections: ['naip'], bbox: [-86, 30, -85, 31], limit: 50 });
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { CatalogService } from './service.ts';
import { stacApi } from './api/plugin.ts';

export { CatalogService, type SearchResult } from './service.ts';
export type { CatalogStore } from './store.ts';
export type * from './model.ts';
export type { SearchBody } from './search.parse.ts';

export { createCatalog, catalogConfigFrom, systemPrincipal, type CatalogConfig } from './open.ts';

/**
 * Registers the STAC API on `app` under `prefix`. `publicUrl()` is the origin's URL as users reach it (read
 * per request: the port may be bound after start). `queryablesFile` is the catalog.queryables setting.
 */
export async function registerStacApi(
  app: FastifyInstance,
  opts: { catalog: CatalogService; prefix: string; publicUrl: () => string; queryablesFile: string },
): Promise<void> {
  let extraQueryables: Record<string, unknown> = {};
  if (opts.queryablesFile) {
    try {
      extraQueryables = JSON.parse(readFileSync(opts.queryablesFile, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`catalog.queryables: cannot read ${opts.queryablesFile}: ${(e as Error).message}`);
    }
  }
  await app.register(stacApi, {
    prefix: opts.prefix,
    catalog: opts.catalog,
    baseUrl: () => opts.publicUrl() + opts.prefix,
    extraQueryables,
  });
}
