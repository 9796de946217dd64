/**
 * Open descriptors of the `fs` driver's version files, shared by readers (./fs-read.ts).
 */
import { closeSync, openSync } from 'node:fs';

/** Descriptors kept open while no reader uses them, at most. */
const IDLE_FDS_MAX = 128;

/**
 * Open descriptors of version files, shared by readers: a COG read range by range opens its file once, not
 * per request (open and close were a tenth of a 64 KiB GET's CPU). Version files never change once their
 * object is visible, so a descriptor always reads the bytes its path had. A descriptor is closed only when
 * no reader holds it: when more than IDLE_FDS_MAX are idle, or when its file is removed (`forget`), so that
 * removed files do not keep their disk space.
 */
export class FdCache {
  /** By path, oldest use first. */
  private readonly entries = new Map<string, { fd: number; users: number; removed: boolean }>();
  private idle = 0;

  /** An open descriptor of `path`, held until `release`; throws as openSync does. */
  acquire(path: string): number {
    let e = this.entries.get(path);
    if (e) {
      this.entries.delete(path); // re-inserted below: most recently used last
      if (e.users === 0) this.idle--;
    } else {
      e = { fd: openSync(path, 'r'), users: 0, removed: false };
    }
    e.users++;
    this.entries.set(path, e);
    return e.fd;
  }

  release(path: string): void {
    const e = this.entries.get(path);
    if (!e || e.users === 0) return;
    e.users--;
    if (e.users > 0) return;
    if (e.removed) {
      this.entries.delete(path);
      closeSync(e.fd);
      return;
    }
    this.idle++;
    if (this.idle > IDLE_FDS_MAX) this.closeIdle(IDLE_FDS_MAX / 2);
  }

  /** Descriptors open now, held or idle. */
  get size(): number {
    return this.entries.size;
  }

  /** The file at `path` was removed: close its descriptor once no reader holds it. */
  forget(path: string): void {
    const e = this.entries.get(path);
    if (!e) return;
    if (e.users > 0) {
      e.removed = true;
      return;
    }
    this.entries.delete(path);
    this.idle--;
    closeSync(e.fd);
  }

  /** Closes idle descriptors, oldest first, until `keep` are left. */
  closeIdle(keep = 0): void {
    for (const [path, e] of this.entries) {
      if (this.idle <= keep) return;
      if (e.users > 0) continue;
      this.entries.delete(path);
      this.idle--;
      closeSync(e.fd);
    }
  }
}
