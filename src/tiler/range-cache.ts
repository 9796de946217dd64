/**
 * The data API's shared byte-range cache: every ByteSource it opens reads through here, so COG headers and
 * tiles fetched for one request serve the next, across users and datasets. Concurrent reads of the same
 * range share one in-flight read (coalescing), so a burst of tiles over one COG header reads it once.
 * Keys include the source id, which carries the object's ETag: a rewritten object never hits stale bytes.
 */
import type { ByteSource } from '../raster/types.ts';

export class ByteRangeCache {
  private readonly done = new Map<string, Uint8Array>();
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  async read(source: ByteSource, offset: number, length: number): Promise<Uint8Array> {
    const key = `${source.id}\0${offset}\0${length}`;
    const hit = this.done.get(key);
    if (hit) {
      // Re-insert: Map order is the LRU order.
      this.done.delete(key);
      this.done.set(key, hit);
      this.hits++;
      return hit;
    }
    const inflight = this.pending.get(key);
    if (inflight) {
      this.hits++;
      return inflight;
    }
    this.misses++;
    const p = source.read(offset, length).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    const bytes = await p;
    this.put(key, bytes);
    return bytes;
  }

  get size(): number {
    return this.bytes;
  }

  private put(key: string, v: Uint8Array): void {
    if (v.length > this.maxBytes / 8 || this.done.has(key)) return;
    this.done.set(key, v);
    this.bytes += v.length;
    for (const [k, old] of this.done) {
      if (this.bytes <= this.maxBytes) break;
      this.done.delete(k);
      this.bytes -= old.length;
    }
  }
}

/** `source` reading through `cache`. */
export function cachedSource(source: ByteSource, cache: ByteRangeCache): ByteSource {
  return {
    size: source.size,
    id: source.id,
    read: (offset, length) => cache.read(source, offset, length),
  };
}
