/**
 * The `fs` driver's index: which version file holds each key, with its size, ETag and metadata, and the
 * state of multipart uploads, in an SQLite database of its own (<objects>/index.db).
 *
 * Keys live only here, never in file names: any UTF-8 key (spaces, `..`, 1,024 bytes) maps to a random
 * version file name, so a key can neither escape the directory nor collide with metadata. SQLite's BINARY
 * collation compares UTF-8 bytes, which is exactly S3's listing order.
 */
import Database from 'better-sqlite3';
import type { ObjectInfo, ObjectMeta, PartInfo, UploadInfo } from './object-store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, version TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, mtime INTEGER NOT NULL, meta TEXT NOT NULL,
  PRIMARY KEY (bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, meta TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL, n INTEGER NOT NULL, version TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, mtime INTEGER NOT NULL, PRIMARY KEY (upload_id, n)) WITHOUT ROWID;
`;

interface ObjectRow {
  key: string;
  version: string;
  size: number;
  etag: string;
  mtime: number;
  meta: string;
}

export interface VersionedInfo extends ObjectInfo {
  version: string;
}

function toInfo(r: ObjectRow): VersionedInfo {
  return {
    key: r.key,
    version: r.version,
    size: r.size,
    etag: r.etag,
    lastModified: new Date(r.mtime),
    meta: JSON.parse(r.meta) as ObjectMeta,
  };
}

export class FsIndex {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is safe against a killed process (the WAL is in the OS cache), and the
    // event loop does not wait for an fsync per PUT. After a power cut the last commits may be lost (their
    // objects read as the previous version, never as a corrupt one); `storage.fsSync: full` could trade
    // throughput for that, but is not offered yet.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  addBucket(name: string): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO buckets (name, created_at) VALUES (?, ?)')
      .run(name, new Date().toISOString());
    return r.changes > 0;
  }

  hasBucket(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM buckets WHERE name = ?').get(name) !== undefined;
  }

  /** Removes an empty bucket; false when it still holds objects or uploads. */
  removeBucket(name: string): boolean {
    return this.db.transaction(() => {
      const busy =
        this.db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').get(name) ??
        this.db.prepare('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1').get(name);
      if (busy) return false;
      this.db.prepare('DELETE FROM buckets WHERE name = ?').run(name);
      return true;
    })();
  }

  find(bucket: string, key: string): VersionedInfo | null {
    const r = this.db
      .prepare('SELECT key, version, size, etag, mtime, meta FROM objects WHERE bucket = ? AND key = ?')
      .get(bucket, key) as ObjectRow | undefined;
    return r ? toInfo(r) : null;
  }

  /** Points `key` at a new version; returns the replaced version, whose file the caller removes. */
  upsert(bucket: string, info: VersionedInfo): string | null {
    return this.db.transaction(() => {
      const old = this.find(bucket, info.key);
      this.db
        .prepare(
          `INSERT INTO objects (bucket, key, version, size, etag, mtime, meta) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (bucket, key) DO UPDATE SET version = excluded.version, size = excluded.size,
             etag = excluded.etag, mtime = excluded.mtime, meta = excluded.meta`,
        )
        .run(
          bucket,
          info.key,
          info.version,
          info.size,
          info.etag,
          info.lastModified.getTime(),
          JSON.stringify(info.meta),
        );
      return old ? old.version : null;
    })();
  }

  remove(bucket: string, key: string): string | null {
    const r = this.db
      .prepare('DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING version')
      .get(bucket, key) as { version: string } | undefined;
    return r?.version ?? null;
  }

  list(bucket: string, prefix: string, after: string, limit: number): VersionedInfo[] {
    const prefixBytes = Buffer.byteLength(prefix);
    const rows = this.db
      .prepare(
        `SELECT key, version, size, etag, mtime, meta FROM objects
         WHERE bucket = ? AND key > ? AND key >= ? AND substr(CAST(key AS BLOB), 1, ?) = CAST(? AS BLOB)
         ORDER BY key LIMIT ?`,
      )
      .all(bucket, after, prefix, prefixBytes, prefix, limit) as ObjectRow[];
    return rows.map(toInfo);
  }

  bucketSize(bucket: string): number {
    const r = this.db
      .prepare('SELECT COALESCE(SUM(size), 0) AS n FROM objects WHERE bucket = ?')
      .get(bucket) as {
      n: number;
    };
    return r.n;
  }

  // --- multipart ----------------------------------------------------------------------------------

  addUpload(u: UploadInfo): void {
    this.db
      .prepare('INSERT INTO uploads (id, bucket, key, meta, created) VALUES (?, ?, ?, ?, ?)')
      .run(u.uploadId, u.bucket, u.key, JSON.stringify(u.meta), u.initiated.getTime());
  }

  upload(id: string): UploadInfo | null {
    const r = this.db.prepare('SELECT * FROM uploads WHERE id = ?').get(id) as
      { id: string; bucket: string; key: string; meta: string; created: number } | undefined;
    return r
      ? {
          uploadId: r.id,
          bucket: r.bucket,
          key: r.key,
          initiated: new Date(r.created),
          meta: JSON.parse(r.meta) as ObjectMeta,
        }
      : null;
  }

  uploads(bucket: string | null, before = Number.MAX_SAFE_INTEGER): UploadInfo[] {
    const rows = this.db
      .prepare(
        `SELECT id FROM uploads WHERE (? IS NULL OR bucket = ?) AND created < ? ORDER BY key, created, id`,
      )
      .all(bucket, bucket, before) as Array<{ id: string }>;
    return rows.map((r) => this.upload(r.id)).filter((u): u is UploadInfo => u !== null);
  }

  /** Records a part; returns the version it replaced (same part number uploaded again). */
  upsertPart(uploadId: string, p: PartInfo & { version: string }): string | null {
    return this.db.transaction(() => {
      const old = this.db
        .prepare('SELECT version FROM parts WHERE upload_id = ? AND n = ?')
        .get(uploadId, p.partNumber) as { version: string } | undefined;
      this.db
        .prepare(
          `INSERT INTO parts (upload_id, n, version, size, etag, mtime) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (upload_id, n) DO UPDATE SET version = excluded.version, size = excluded.size,
             etag = excluded.etag, mtime = excluded.mtime`,
        )
        .run(uploadId, p.partNumber, p.version, p.size, p.etag, p.lastModified.getTime());
      return old?.version ?? null;
    })();
  }

  parts(uploadId: string): Array<PartInfo & { version: string }> {
    const rows = this.db
      .prepare('SELECT * FROM parts WHERE upload_id = ? ORDER BY n')
      .all(uploadId) as Array<{
      n: number;
      version: string;
      size: number;
      etag: string;
      mtime: number;
    }>;
    return rows.map((r) => ({
      partNumber: r.n,
      version: r.version,
      size: r.size,
      etag: r.etag,
      lastModified: new Date(r.mtime),
    }));
  }

  /** Removes the upload and its parts; with `object`, atomically makes it the key's new version. */
  finishUpload(uploadId: string, object?: { bucket: string; info: VersionedInfo }): string | null {
    return this.db.transaction(() => {
      const replaced = object ? this.upsert(object.bucket, object.info) : null;
      this.db.prepare('DELETE FROM parts WHERE upload_id = ?').run(uploadId);
      this.db.prepare('DELETE FROM uploads WHERE id = ?').run(uploadId);
      return replaced;
    })();
  }

  /** Every version file name the index refers to (for sweeping orphans left by a crash). */
  liveVersions(): Set<string> {
    const rows = this.db.prepare('SELECT version FROM objects').pluck().all() as string[];
    return new Set(rows);
  }
}
