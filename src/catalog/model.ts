/**
 * The STAC model as TerraHub stores and serves it: plain JSON shapes (items, collections), and the
 * normalized search query every driver answers. Pure: no I/O.
 */

export type Position = number[];
export type Bbox = [number, number, number, number] | [number, number, number, number, number, number];

export interface Geometry {
  type: string;
  coordinates?: unknown;
  geometries?: Geometry[];
}

export interface StacLink {
  href: string;
  rel: string;
  type?: string;
  title?: string;
  method?: string;
  body?: unknown;
  merge?: boolean;
  [k: string]: unknown;
}

export interface StacItem {
  type: 'Feature';
  stac_version: string;
  stac_extensions?: string[];
  id: string;
  collection?: string;
  geometry: Geometry | null;
  bbox?: number[];
  properties: Record<string, unknown> & { datetime: string | null };
  links: StacLink[];
  assets: Record<string, unknown>;
  [k: string]: unknown;
}

export interface StacCollection {
  type: 'Collection';
  stac_version: string;
  stac_extensions?: string[];
  id: string;
  title?: string;
  description: string;
  license: string;
  extent: {
    spatial: { bbox: number[][] };
    temporal: { interval: Array<[string | null, string | null]> };
  };
  links: StacLink[];
  summaries?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Who may read a collection besides its owner and admins. */
export type Visibility = 'public' | 'private';

/** TerraHub's access fields of a collection, kept beside (not inside) the STAC document. */
export interface CollectionAccess {
  owner: string | null;
  visibility: Visibility;
  /** Groups whose members may read the collection while it is private. */
  groups: string[];
}

/** A stored collection: the document, its access fields and its version tag (for ETag / If-Match). */
export interface StoredCollection {
  collection: StacCollection;
  access: CollectionAccess;
  etag: string;
}

export interface StoredItem {
  item: StacItem;
  etag: string;
}

/** A closed time interval in ISO 8601 UTC (`null` = open end). */
export interface TimeRange {
  start: string | null;
  end: string | null;
}

export interface SortKey {
  field: string;
  direction: 'asc' | 'desc';
}

/**
 * A search as drivers answer it: already parsed, validated and limited to the collections the caller may
 * read (`collections` is never empty-means-all at this level: the service fills it in).
 */
export interface SearchQuery {
  collections: string[];
  ids?: string[] | undefined;
  /** Bounding boxes (2D), already split at the antimeridian; an item matches if it intersects any. */
  bboxes?: Array<[number, number, number, number]> | undefined;
  intersects?: Geometry | undefined;
  datetime?: TimeRange | undefined;
  /** A CQL2 expression (JSON form, already parsed and checked). */
  filter?: unknown;
  /** Free-text terms: an item matches when any term is in its title, description or keywords. */
  q?: string[] | undefined;
  sortby: SortKey[];
  limit: number;
  /** Keyset position: the sort values and (collection, id) of the last item of the previous page. */
  after?: PageCursor | undefined;
  /** Count matches among at most this many items; beyond, numberMatched is an estimate from them. */
  countLimit: number;
}

export interface PageCursor {
  values: unknown[];
  collection: string;
  id: string;
}

export interface SearchPage {
  /** Parsed from `texts` when first read (the API's usual path copies the texts instead). */
  items: StacItem[];
  /** The stored JSON text of each item, in the order of `items`. */
  texts?: string[] | undefined;
  /** Cursor after the last item when more items follow, else null. */
  next: PageCursor | null;
  /** Null when not counted (pages after the first, where counting again would only cost). */
  numberMatched: number | null;
  /** False when numberMatched is an estimate (more than countLimit items were searched). */
  numberMatchedExact: boolean;
}
