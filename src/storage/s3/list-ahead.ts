/**
 * Reading the next listing page ahead: a client paging through a large bucket (the SDK's paginator, the aws
 * CLI, rclone) asks for page N+1 right after it has parsed page N, and parsing 1,000 keys of XML takes the
 * client longer than the server takes to list them. So once a truncated page has been answered, the next
 * one is listed while the client parses, and handed out if nothing was written in between (the store's
 * change count is the same). Access is checked per request as always; only the index read is reused.
 */
import type { ObjectStore } from '../store/object-store.ts';
import { listKeys, type Listing } from './routes.list.ts';

export interface ListParams {
  prefix: string;
  delimiter: string;
  marker: string;
  maxKeys: number;
}

interface Page {
  stamp: number;
  expires: number;
  listing: Listing;
}

/** Pages kept at most (one per client paging at the same time) and how long an unclaimed one stays. */
const MAX_PAGES = 16;
const KEEP_MS = 30_000;

export class ListReadAhead {
  private readonly pages = new Map<string, Page>();

  constructor(private readonly store: ObjectStore) {}

  private static id(bucket: string, p: ListParams): string {
    return `${bucket}\n${p.prefix}\n${p.delimiter}\n${p.maxKeys}\n${p.marker}`;
  }

  /** The page listed ahead for these parameters, if nothing changed since; each page is handed out once. */
  take(bucket: string, p: ListParams): Listing | null {
    const id = ListReadAhead.id(bucket, p);
    const page = this.pages.get(id);
    if (!page) return null;
    this.pages.delete(id);
    const stamp = this.store.changeCount?.();
    return page.stamp === stamp && page.expires > Date.now() ? page.listing : null;
  }

  /** After answering `listing` for `p`: lists the following page in the background. */
  after(bucket: string, p: ListParams, listing: Listing): void {
    if (!listing.truncated || listing.last === null || !this.store.changeCount) return;
    const next: ListParams = { ...p, marker: listing.last };
    setImmediate(() => void this.fill(bucket, next));
  }

  private async fill(bucket: string, p: ListParams): Promise<void> {
    // Taken before reading: a write during the read makes the page stale, and the stamps then differ.
    const stamp = this.store.changeCount!();
    let listing: Listing;
    try {
      listing = await listKeys(this.store, bucket, p);
    } catch {
      return; // the bucket went away: the request itself will say so
    }
    const now = Date.now();
    for (const [id, page] of this.pages) if (page.expires <= now) this.pages.delete(id);
    if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(ListReadAhead.id(bucket, p), { stamp, expires: now + KEEP_MS, listing });
  }
}

const byStore = new WeakMap<ObjectStore, ListReadAhead>();

/** The read-ahead of a store (one per store, made on first use). */
export function readAheadOf(store: ObjectStore): ListReadAhead {
  let r = byStore.get(store);
  if (!r) byStore.set(store, (r = new ListReadAhead(store)));
  return r;
}
