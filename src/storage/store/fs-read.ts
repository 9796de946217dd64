/**
 * Reading one stored version of the `fs` driver: a single file, or a multipart object's segment files
 * read as one byte sequence.
 *
 * Files are opened with a synchronous open(2), and ranges up to 4 MiB are read with a synchronous pread(2)
 * while the disk keeps up: from the page cache these cost microseconds, far less than a round trip through
 * libuv's thread pool, which profiling showed to be the largest cost of a range GET on a busy machine
 * (nginx too reads in its event loop). A read that had to wait for the disk turns synchronous reads off
 * for a while (`SyncReads`), so that a cold disk never stalls the event loop request after request.
 */
import { read, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import type { ByteRange, ObjectInfo, OpenObject } from './object-store.ts';
import type { FdCache } from './fs-fdcache.ts';
import type { VersionedInfo } from './fs-index.ts';

/** Bytes handed to the socket per read when streaming (large reads: fewer system calls and wakeups). */
const STREAM_CHUNK = 1024 * 1024;
/** Largest read done synchronously. */
const SYNC_READ_MAX = 4 * 1024 * 1024;
/** A synchronous read slower than this came from the disk, not the page cache. */
const SLOW_READ_NS = 2_000_000n;
const SYNC_OFF_MS = 10_000;

/** Whether reads may run in the event loop now: yes, until one of them is slow. */
export class SyncReads {
  private offUntil = 0;

  allowed(n: number): boolean {
    return n <= SYNC_READ_MAX && (this.offUntil === 0 || Date.now() >= this.offUntil);
  }

  /** Times a synchronous read; a slow one sends reads to the thread pool for a while. */
  timed<T>(fn: () => T): T {
    const t = process.hrtime.bigint();
    const r = fn();
    this.offUntil = process.hrtime.bigint() - t > SLOW_READ_NS ? Date.now() + SYNC_OFF_MS : 0;
    return r;
  }
}

function preadInto(fd: number, buf: Buffer, at: number, n: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, at, n, pos, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

/**
 * Versions being read in this process, so that a replaced multipart object's segments are removed only
 * once its last reader is done (segments are opened one after another while streaming; a single file is
 * open before the first byte is read, and an open file outlives its name).
 */
export class ReaderPins {
  private readonly counts = new Map<string, number>();
  private readonly deferred = new Map<string, () => Promise<void>>();

  pin(version: string): void {
    this.counts.set(version, (this.counts.get(version) ?? 0) + 1);
  }

  unpin(version: string): void {
    const n = (this.counts.get(version) ?? 1) - 1;
    if (n > 0) {
      this.counts.set(version, n);
      return;
    }
    this.counts.delete(version);
    const remove = this.deferred.get(version);
    this.deferred.delete(version);
    if (remove) void remove().catch(() => undefined);
  }

  /** Runs `remove` now, or when the version's last reader closes. */
  async removeWhenUnread(version: string, remove: () => Promise<void>): Promise<void> {
    if (this.counts.has(version)) this.deferred.set(version, remove);
    else await remove();
  }
}

/** One file of a version: where its bytes start in the object, and how many. */
interface FileSpan {
  file: string;
  start: number;
  size: number;
}

/**
 * Versions' file layouts, made once per index row: the fs driver reuses the row of an object read again
 * (./fs-info-cache.ts), so a 64-part object read range by range does not rebuild 64 entries per request.
 */
const layouts = new WeakMap<VersionedInfo, FileSpan[]>();

function layoutOf(info: VersionedInfo): FileSpan[] {
  let spans = layouts.get(info);
  if (!spans) {
    let start = 0;
    spans = (info.segments ?? [{ file: info.version, size: info.size }]).map((p) => {
      const span = { file: p.file, start, size: p.size };
      start += p.size;
      return span;
    });
    layouts.set(info, spans);
  }
  return spans;
}

/** The bytes of one version, read by absolute offsets across its files. Close it (or read it to the end). */
export class VersionReader {
  /** The version's files (shared, read-only); paths are made on first open. */
  private readonly files: FileSpan[];
  /** Descriptors held, by file index (a range read of a multipart object uses one or two of its files). */
  private readonly fds = new Map<number, { fd: number; path: string }>();
  private closed = false;

  /**
   * Opens the version's first file at once, so that a version replaced (and removed) between the index
   * lookup and here fails now, with ENOENT, while the caller can still look the key up again (unless its
   * descriptor was still open: then the replaced version is read, whole, as if the read had come first).
   */
  constructor(
    readonly info: VersionedInfo,
    private readonly pathOf: (file: string) => string,
    private readonly pins: ReaderPins,
    private readonly sync: SyncReads,
    private readonly shared: FdCache,
  ) {
    this.files = layoutOf(info);
    if (this.files[0]) {
      const path = pathOf(this.files[0].file);
      this.fds.set(0, { fd: shared.acquire(path), path });
    }
    if (info.segments) pins.pin(info.version);
  }

  private fdOf(i: number): number {
    const held = this.fds.get(i);
    if (held) return held.fd;
    const path = this.pathOf(this.files[i]!.file);
    let fd: number;
    try {
      fd = this.shared.acquire(path);
    } catch (e) {
      // Only another process sharing the data directory can remove a pinned version's segments.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new TerraHubError('TH_UNAVAILABLE', 'the object was replaced while it was read; retry');
      throw e;
    }
    this.fds.set(i, { fd, path });
    return fd;
  }

  /** The index of the file holding byte `pos` (binary search: spans are in order and contiguous). */
  private fileAt(pos: number): number {
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const f = this.files[mid]!;
      if (pos >= f.start + f.size) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Reads `n` bytes at `pos` into `buf` at `at`, across file boundaries; returns how many were read. */
  private async readAt(buf: Buffer, at: number, pos: number, n: number): Promise<number> {
    const sync = this.sync.allowed(n);
    let done = 0;
    for (let i = this.fileAt(pos); i < this.files.length && done < n; i++) {
      const f = this.files[i]!;
      const p = pos + done;
      if (p >= f.start + f.size) continue;
      const want = Math.min(n - done, f.start + f.size - p);
      let got = 0;
      while (got < want) {
        const fd = this.fdOf(i);
        const [off, len, fpos] = [at + done + got, want - got, p - f.start + got];
        const r = sync
          ? this.sync.timed(() => readSync(fd, buf, off, len, fpos))
          : await preadInto(fd, buf, off, len, fpos);
        if (r === 0) return done + got;
        got += r;
      }
      done += got;
    }
    return done;
  }

  /**
   * Where the bytes of an inclusive range lie: (descriptor, offset in its file, length) triplets, in order,
   * for a sender that reads the files itself (sendfile). The descriptors stay valid until `close`.
   */
  fileRanges(r: ByteRange): number[] {
    const out: number[] = [];
    const end = Math.min(r.end, this.info.size - 1);
    for (let i = this.fileAt(r.start), pos = r.start; pos <= end && i < this.files.length; i++) {
      const f = this.files[i]!;
      const n = Math.min(end + 1, f.start + f.size) - pos;
      if (n > 0) out.push(this.fdOf(i), pos - f.start, n);
      pos += Math.max(n, 0);
    }
    return out;
  }

  /** The bytes of an inclusive range, in one buffer; closes the reader. */
  async read(r: ByteRange, into?: Buffer): Promise<Buffer> {
    try {
      const n = Math.max(0, Math.min(r.end, this.info.size - 1) - r.start + 1);
      const buf = into && into.length >= n ? into : Buffer.allocUnsafe(n);
      return buf.subarray(0, await this.readAt(buf, 0, r.start, n));
    } finally {
      this.close();
    }
  }

  /** A stream of an inclusive range (the whole version without one); closes the reader at its end. */
  stream(r?: ByteRange): Readable {
    let pos = r?.start ?? 0;
    const end = Math.min(r?.end ?? this.info.size - 1, this.info.size - 1);
    const out: Readable = new Readable({
      highWaterMark: STREAM_CHUNK,
      read: () => {
        if (pos > end) {
          out.push(null);
          return;
        }
        const buf = Buffer.allocUnsafe(Math.min(STREAM_CHUNK, end - pos + 1));
        this.readAt(buf, 0, pos, buf.length).then(
          (n) => {
            pos += n;
            // A file shorter than the index says (never expected): end here; the length check fails.
            out.push(n === 0 ? null : buf.subarray(0, n));
          },
          (e: Error) => out.destroy(e),
        );
      },
      destroy: (err, cb) => {
        this.close();
        cb(err);
      },
    });
    out.once('end', () => this.close());
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { path } of this.fds.values()) this.shared.release(path);
    if (this.info.segments) this.pins.unpin(this.info.version);
  }
}

/**
 * An open version as the ObjectStore interface hands it out: a class, not an object of closures, since
 * closures made per request cost a measurable share of a range GET (each named by tsx's loader).
 */
export class OpenVersion implements OpenObject {
  constructor(
    readonly info: ObjectInfo,
    private readonly reader: VersionReader,
  ) {}

  read(r: ByteRange, into?: Buffer): Promise<Buffer> {
    return this.reader.read(r, into);
  }

  stream(r?: ByteRange): Readable {
    return this.reader.stream(r);
  }

  files(r: ByteRange): number[] {
    return this.reader.fileRanges(r);
  }

  async close(): Promise<void> {
    this.reader.close();
  }
}
