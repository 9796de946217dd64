/**
 * Index rows the `fs` driver read recently, for GETs of the same objects over and over (range reads of a
 * COG): a row is reused only while the index's change count is the one it was read at, so any write (of
 * this process or another) empties the cache. Profiling showed the lookup and the decoding of a multipart
 * object's segment list as the largest costs of a 64 KiB range GET after the HTTP stack.
 */
import type { VersionedInfo } from './fs-index.ts';

/** Rows kept at most; beyond it the oldest goes. */
const MAX_ROWS = 4096;

export class InfoCache {
  private stamp = NaN;
  private readonly rows = new Map<string, VersionedInfo>();

  /** The row of `key`, from the cache when nothing changed since (`stamp`: the index's change count). */
  find(bucket: string, key: string, stamp: number, load: () => VersionedInfo | null): VersionedInfo | null {
    if (stamp !== this.stamp) {
      this.rows.clear();
      this.stamp = stamp;
    }
    // Bucket names hold no NUL, so the pair is unambiguous.
    const id = `${bucket}\0${key}`;
    const hit = this.rows.get(id);
    if (hit) return hit;
    const row = load();
    if (row) {
      if (this.rows.size >= MAX_ROWS) this.rows.delete(this.rows.keys().next().value!);
      this.rows.set(id, row);
    }
    return row;
  }

  drop(bucket: string, key: string): void {
    this.rows.delete(`${bucket}\0${key}`);
  }
}
