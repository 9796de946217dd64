/**
 * CatalogService: the catalog's domain API for every other area (STAC routes, data API, ingest, CLI).
 * It applies access rules, validates documents and turns searches into driver queries; drivers only store.
 * Every method takes the calling Principal; private collections the caller may not read behave as absent.
 */
import { TerraHubError } from '../core/errors.ts';
import type { Principal } from '../core/identity/index.ts';
import {
  accessFromDocument,
  canRead,
  defaultAccess,
  parseAccess,
  requireCanWrite,
  requireWriter,
} from './access.ts';
import { parseFields } from './fields.ts';
import { mergePatch } from './merge-patch.ts';
import type { CollectionAccess, StacCollection, StacItem, StoredCollection, StoredItem } from './model.ts';
import { decodeToken, encodeToken, searchHash } from './paging.ts';
import { parseSearch, type SearchBody } from './search.parse.ts';
import type { CatalogStore, ItemStats, SeenProperty, WriteMode } from './store.ts';
import { growExtent } from './extent.ts';
import { itemRowGroup, type ItemRowGroup } from './item-rows.ts';
import { checkItemFor, validateCollection, type ValidationChecks } from './validate.ts';

export interface CatalogOptions {
  /** numberMatched is counted exactly up to this many matches, and reported as a lower bound beyond. */
  countLimit: number;
  /** Check written documents against the schemas of the extensions they declare (not only the core). */
  validateExtensions?: boolean;
}

export interface SearchResult {
  items: StacItem[];
  /** The items' stored JSON texts, when the store has them (items is then parsed only if read). */
  texts?: string[] | undefined;
  /** Token of the next page, or null on the last page. */
  next: string | null;
  /** Counted on first pages only (null on later pages); a lower bound when numberMatchedExact is false. */
  numberMatched: number | null;
  numberMatchedExact: boolean;
  /** The Fields extension's request, for the API to apply. */
  fields: unknown;
  /** Whether the request had a `fields` member at all (`"fields": null` is refused). */
  fieldsGiven: boolean;
}

const ACCESS_FIELD = 'terrahub:access';

export class CatalogService {
  constructor(
    readonly store: CatalogStore,
    private readonly opts: CatalogOptions,
  ) {}

  /** Ids of the collections the caller may read. */
  async visibleCollectionIds(p: Principal): Promise<string[]> {
    return (await this.store.listCollections())
      .filter((c) => canRead(p, c.access))
      .map((c) => c.collection.id);
  }

  async listCollections(p: Principal): Promise<StoredCollection[]> {
    return (await this.store.listCollections()).filter((c) => canRead(p, c.access));
  }

  /** The stored collection (document, access, ETag); 404 when absent or invisible to the caller. */
  async getStoredCollection(p: Principal, id: string): Promise<StoredCollection> {
    const c = await this.store.getCollection(id);
    if (!c || !canRead(p, c.access))
      throw new TerraHubError('TH_STAC_COLLECTION_NOT_FOUND', `no collection "${id}"`);
    return c;
  }

  async getCollection(p: Principal, id: string): Promise<StacCollection> {
    return (await this.getStoredCollection(p, id)).collection;
  }

  /**
   * Creates or replaces a collection (`mode` create: 409 if it exists; replace: 404 if not). A new collection
   * is owned by the caller; the optional `terrahub:access` field sets visibility and groups.
   */
  async upsertCollection(
    p: Principal,
    doc: unknown,
    opts: { mode?: WriteMode; ifMatch?: string | undefined } = {},
  ): Promise<StoredCollection> {
    const user = requireWriter(p);
    const c = { ...validateCollection(doc, this.checks) } as StacCollection;
    const cur = await this.store.getCollection(c.id);
    if (cur) requireCanWrite(p, c.id, cur.access);
    const access = accessFromDocument(c, cur?.access ?? defaultAccess(p, user));
    delete c[ACCESS_FIELD];
    return this.store.putCollection(c, access, { mode: opts.mode ?? 'upsert', ifMatch: opts.ifMatch });
  }

  async patchCollection(
    p: Principal,
    id: string,
    patch: unknown,
    ifMatch?: string,
  ): Promise<StoredCollection> {
    const cur = await this.getStoredCollection(p, id);
    requireCanWrite(p, id, cur.access);
    const merged = mergePatch(cur.collection, patch) as Record<string, unknown>;
    if (merged['id'] !== id) throw new TerraHubError('TH_BAD_REQUEST', 'a patch may not change the id');
    return this.upsertCollection(p, merged, { mode: 'replace', ifMatch: ifMatch ?? cur.etag });
  }

  async deleteCollection(p: Principal, id: string, ifMatch?: string): Promise<void> {
    const cur = await this.getStoredCollection(p, id);
    requireCanWrite(p, id, cur.access);
    await this.store.deleteCollection(id, ifMatch);
  }

  /** Changes who may read a collection: {visibility: 'public'|'private', groups: [...]}. */
  async setAccess(p: Principal, id: string, body: unknown): Promise<CollectionAccess> {
    const cur = await this.getStoredCollection(p, id);
    requireCanWrite(p, id, cur.access);
    const access = parseAccess(body, cur.access);
    await this.store.setAccess(id, access);
    return access;
  }

  /** What items and collections are checked against (workers of `stac load` check with the same). */
  get checks(): ValidationChecks {
    return { extensions: this.opts.validateExtensions ?? true };
  }

  /**
   * Writes a batch of items into a collection, all or none (`create`: 409 if any exists; `upsert`: replace).
   * Each item is validated; its `collection` is set to `collectionId` (a different one is a 400).
   */
  async upsertItems(
    p: Principal,
    collectionId: string,
    items: unknown[],
    opts: { mode?: WriteMode; ifMatch?: string | undefined } = {},
  ): Promise<StoredItem[]> {
    const cur = await this.getStoredCollection(p, collectionId);
    requireCanWrite(p, collectionId, cur.access);
    const checked = items.map((doc, i) => {
      try {
        return checkItemFor(doc, collectionId, this.checks);
      } catch (e) {
        if (items.length > 1 && e instanceof TerraHubError)
          throw new TerraHubError(
            e.code,
            `items[${i}] (${JSON.stringify((doc as StacItem)?.id)}): ${e.message}`,
            {
              ...e.details,
              index: i,
            },
          );
        throw e;
      }
    });
    const ids = new Set<string>();
    for (const it of checked) {
      if (ids.has(it.id))
        throw new TerraHubError('TH_STAC_INVALID_ITEM', `item "${it.id}" appears twice in the batch`);
      ids.add(it.id);
    }
    const group = itemRowGroup(collectionId, checked);
    await this.store.putItemRows([group], { mode: opts.mode ?? 'upsert', ifMatch: opts.ifMatch });
    return checked.map((item, i) => ({ item, etag: group.rows[i]!.etag }));
  }

  /**
   * Writes rows that `stac load`'s workers made from items checked by `checkItemFor` with `this.checks`,
   * grouped by collection, as one batch: all or none. The caller must be allowed to write every collection.
   */
  async putCheckedRows(p: Principal, groups: ItemRowGroup[], opts: { mode: WriteMode }): Promise<void> {
    for (const g of groups) {
      const cur = await this.getStoredCollection(p, g.collection);
      requireCanWrite(p, g.collection, cur.access);
    }
    await this.store.putItemRows(groups, { mode: opts.mode });
  }

  async getStoredItem(p: Principal, collectionId: string, itemId: string): Promise<StoredItem> {
    await this.getStoredCollection(p, collectionId);
    const it = await this.store.getItem(collectionId, itemId);
    if (!it)
      throw new TerraHubError(
        'TH_STAC_ITEM_NOT_FOUND',
        `no item "${itemId}" in collection "${collectionId}"`,
      );
    return it;
  }

  async getItem(p: Principal, collectionId: string, itemId: string): Promise<StacItem> {
    return (await this.getStoredItem(p, collectionId, itemId)).item;
  }

  async patchItem(
    p: Principal,
    cid: string,
    id: string,
    patch: unknown,
    ifMatch?: string,
  ): Promise<StoredItem> {
    const cur = await this.getStoredItem(p, cid, id);
    const merged = mergePatch(cur.item, patch) as Record<string, unknown>;
    if (merged['id'] !== id) throw new TerraHubError('TH_BAD_REQUEST', 'a patch may not change the id');
    const [out] = await this.upsertItems(p, cid, [merged], { mode: 'replace', ifMatch: ifMatch ?? cur.etag });
    return out!;
  }

  async deleteItem(p: Principal, cid: string, id: string, ifMatch?: string): Promise<void> {
    const cur = await this.getStoredCollection(p, cid);
    requireCanWrite(p, cid, cur.access);
    if (!(await this.store.deleteItem(cid, id, ifMatch)))
      throw new TerraHubError('TH_STAC_ITEM_NOT_FOUND', `no item "${id}" in collection "${cid}"`);
  }

  /** Item search over the collections the caller may read; `body` is the POST /search form. */
  async search(p: Principal, body: SearchBody): Promise<SearchResult> {
    const s = parseSearch(body);
    parseFields(body.fields, 'fields' in body); // a bad fields value is a 400 before any work
    const visible = await this.visibleCollectionIds(p);
    const collections = s.requested ? s.requested.filter((c) => visible.includes(c)) : visible;
    const { requested, token, fields, limit, ...rest } = s;
    const hash = searchHash({ requested: requested ?? null, ...rest });
    const page = await this.store.search({
      ...rest,
      collections,
      limit,
      countLimit: this.opts.countLimit,
      after: token ? decodeToken(token, hash) : undefined,
    });
    return {
      get items() {
        return page.items;
      },
      texts: page.texts,
      next: page.next ? encodeToken(page.next, hash) : null,
      numberMatched: page.numberMatched,
      numberMatchedExact: page.numberMatchedExact,
      fields,
      fieldsGiven: 'fields' in body,
    };
  }

  /** Properties seen in the items of the collections the caller may read (or of one collection). */
  async seenProperties(p: Principal, collectionId?: string): Promise<SeenProperty[]> {
    const ids = collectionId
      ? [(await this.getCollection(p, collectionId)).id]
      : await this.visibleCollectionIds(p);
    return this.store.seenProperties(ids);
  }

  /** Grows a collection's spatial and temporal extent and its summaries to cover its items (a scan of them). */
  async updateExtent(collectionId: string): Promise<StacCollection> {
    const stats = await this.store.itemStats(collectionId);
    return this.growExtentBy(collectionId, stats, await this.store.summarize(collectionId));
  }

  /**
   * Grows a collection's extent by `stats` and sets these `summaries`: what a bulk load gathered from the
   * items it wrote (load-stats.ts), so that a large collection is not scanned again after each load.
   */
  async growExtentBy(
    collectionId: string,
    stats: ItemStats,
    summaries: Record<string, unknown>,
  ): Promise<StacCollection> {
    const cur = await this.store.getCollection(collectionId);
    if (!cur) throw new TerraHubError('TH_STAC_COLLECTION_NOT_FOUND', `no collection "${collectionId}"`);
    const c = growExtent(cur.collection, stats, summaries);
    await this.store.putCollection(c, cur.access, { mode: 'replace' });
    return c;
  }
}
