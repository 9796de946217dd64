/**
 * Listing for the `azure` driver. Azure has no S3 `start-after`: a listing resumes only from the opaque
 * continuation token of an earlier page. So this remembers, per bucket and prefix, the token that follows
 * each page's last key; a listing after key K starts from the nearest remembered position at or before K
 * and skips what is not after K. Paging through a bucket (S3's continuation-token, marker, or a common
 * prefix being skipped) then reads each key about once.
 *
 * A remembered position goes stale when keys are added or removed near it, so any write to a bucket through
 * this process forgets the bucket's positions, and every position is forgotten after POSITION_TTL (for
 * writes by another TerraHub sharing the container).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { byteOrder, escapeKey, metaFromAzure, unescapeKey } from './azure-store.names.ts';
import type { ListOptions, ObjectInfo } from './object-store.ts';

const POSITION_TTL = 30_000;
const MAX_PREFIXES = 256;
const MAX_POSITIONS = 4096;

interface Position {
  /** The last key of a page: the token lists what follows it. */
  after: string;
  token: string;
}

interface Positions {
  at: number;
  list: Position[];
}

export class AzureLister {
  private readonly positions = new Map<string, Positions>();

  constructor(private readonly container: () => Promise<ContainerClient>) {}

  /** Forgets a bucket's positions: call on every write to it. */
  touched(bucket: string): void {
    for (const k of this.positions.keys()) if (k.startsWith(`${bucket}/`)) this.positions.delete(k);
  }

  private nearest(id: string, after: string): Position | null {
    const p = this.positions.get(id);
    if (!p || Date.now() - p.at > POSITION_TTL) return null;
    let best: Position | null = null;
    for (const pos of p.list) {
      if (byteOrder(pos.after, after) <= 0 && (!best || byteOrder(pos.after, best.after) > 0)) best = pos;
    }
    return best;
  }

  private remember(id: string, after: string, token: string): void {
    let p = this.positions.get(id);
    if (!p || Date.now() - p.at > POSITION_TTL) {
      if (this.positions.size >= MAX_PREFIXES) this.positions.delete(this.positions.keys().next().value!);
      p = { at: Date.now(), list: [] };
      this.positions.set(id, p);
    }
    if (p.list.length < MAX_POSITIONS) p.list.push({ after, token });
  }

  /** Objects of `bucket` in key order, after `opts.after`, at most `opts.limit`. */
  async list(bucket: string, opts: ListOptions): Promise<ObjectInfo[]> {
    const prefix = opts.prefix ?? '';
    const after = opts.after ?? '';
    // After every key of the prefix: nothing left (S3's markers may point past a prefix).
    if (after && !after.startsWith(prefix) && byteOrder(after, prefix) > 0) return [];
    const id = `${bucket}/${prefix}`;
    const base = `${bucket}/`;
    const start = after ? this.nearest(id, after) : null;
    const out: ObjectInfo[] = [];
    const pages = (await this.container())
      .listBlobsFlat({ prefix: base + escapeKey(prefix), includeMetadata: true })
      .byPage({
        maxPageSize: Math.min(5000, opts.limit),
        ...(start ? { continuationToken: start.token } : {}),
      });
    for await (const page of pages) {
      const items = page.segment.blobItems;
      const last = items.at(-1)?.name;
      if (page.continuationToken && last) {
        this.remember(id, unescapeKey(last.slice(base.length)), page.continuationToken);
      }
      for (const b of items) {
        const key = unescapeKey(b.name.slice(base.length));
        if (after && byteOrder(key, after) <= 0) continue;
        out.push({
          key,
          size: b.properties.contentLength ?? 0,
          etag: metaFromAzure(b.metadata).etag,
          lastModified: b.properties.lastModified,
          meta: { user: {} },
        });
        if (out.length === opts.limit) return out;
      }
    }
    return out;
  }
}
