/**
 * A byte-bounded LRU of decoded chunks, sharing one in-flight promise per key so that concurrent reads of
 * the same tile decode it once.
 */
export class ChunkCache {
  private readonly done = new Map<string, Uint8Array>();
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes of decoded chunks held. */
  get size(): number {
    return this.bytes;
  }

  async get(key: string, load: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.done.get(key);
    if (hit) {
      this.done.delete(key);
      this.done.set(key, hit);
      return hit;
    }
    const p = this.pending.get(key);
    if (p) return p;
    const loading = load().finally(() => this.pending.delete(key));
    this.pending.set(key, loading);
    const v = await loading;
    this.put(key, v);
    return v;
  }

  private put(key: string, v: Uint8Array): void {
    if (v.length > this.maxBytes || this.done.has(key)) return;
    this.done.set(key, v);
    this.bytes += v.length;
    for (const [k, old] of this.done) {
      if (this.bytes <= this.maxBytes) break;
      this.done.delete(k);
      this.bytes -= old.length;
    }
  }
}
