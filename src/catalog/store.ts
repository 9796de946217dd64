/**
 * CatalogStore: the narrow interface every catalog driver implements (sqlite by default, postgres later).
 * Drivers store and query; they know nothing of users: access rules live in the service, which hands drivers
 * searches already limited to the collections the caller may read. One contract suite
 * (store.contract.ts) runs against every driver.
 */
import type {
  CollectionAccess,
  SearchPage,
  SearchQuery,
  StacCollection,
  StacItem,
  StoredCollection,
  StoredItem,
} from './model.ts';
import type { ItemRowGroup } from './item-rows.ts';

/** create: 409 when it exists; replace: 404 when it does not; upsert: either. */
export type WriteMode = 'create' | 'replace' | 'upsert';

export interface WriteOptions {
  mode: WriteMode;
  /** When set, the write fails with 412 unless the stored ETag equals it. */
  ifMatch?: string | undefined;
}

/** What the store knows about a collection's items, for extents, summaries and queryables. */
export interface ItemStats {
  count: number;
  bbox: [number, number, number, number] | null;
  start: string | null;
  end: string | null;
}

/** A property seen in items, with the JSON type of its values. */
export interface SeenProperty {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'array' | 'object';
}

export interface CatalogStore {
  readonly driver: string;

  getCollection(id: string): Promise<StoredCollection | null>;
  /** Every collection, ordered by id (collections are few; callers filter by access). */
  listCollections(): Promise<StoredCollection[]>;
  putCollection(c: StacCollection, access: CollectionAccess, opts: WriteOptions): Promise<StoredCollection>;
  setAccess(id: string, access: CollectionAccess): Promise<void>;
  /** Deletes the collection and all of its items. False when it did not exist. */
  deleteCollection(id: string, ifMatch?: string): Promise<boolean>;

  getItem(collection: string, id: string): Promise<StoredItem | null>;
  /** Writes a batch of items of one (existing) collection, all or none. Items carry `collection`. */
  putItems(collection: string, items: StacItem[], opts: WriteOptions): Promise<StoredItem[]>;
  /**
   * Writes rows of checked items (item-rows.ts), of one or more existing collections, as one transaction:
   * all or none. The bulk path (`stac load`), whose rows are computed in worker threads; putItems uses it too.
   */
  putItemRows(groups: ItemRowGroup[], opts: WriteOptions): Promise<void>;
  deleteItem(collection: string, id: string, ifMatch?: string): Promise<boolean>;

  search(q: SearchQuery): Promise<SearchPage>;
  itemStats(collection: string): Promise<ItemStats>;
  /** Properties seen in the items of these collections (for queryables and summaries). */
  seenProperties(collections: string[]): Promise<SeenProperty[]>;
  /** STAC summaries from the items: {minimum, maximum} of numbers, the values of few-valued strings. */
  summarize(collection: string): Promise<Record<string, unknown>>;
  /** After a bulk load: refreshes what the query planner knows of these collections' items (or nothing). */
  analyze(collections: string[]): Promise<void>;

  close(): Promise<void>;
}
