/**
 * The multipart half of the `fs` driver's index (./fs-index.ts): uploads in progress and their parts, in
 * the same SQLite database. Completing an upload makes it the key's new version in the same transaction
 * that forgets the upload, so a crash leaves either the upload or the object, never neither.
 */
import type Database from 'better-sqlite3';
import type { VersionedInfo } from './fs-index.ts';
import type { ObjectMeta, PartInfo, UploadInfo, WritePrecondition } from './object-store.ts';

/** A stored part: what S3 tells about it, and the file in the upload's directory that holds it. */
export type StoredPart = PartInfo & { version: string };

export const UPLOADS_SCHEMA = `
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, meta TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL, n INTEGER NOT NULL, version TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, mtime INTEGER NOT NULL, checksum TEXT, PRIMARY KEY (upload_id, n)) WITHOUT ROWID;
`;

interface UploadRow {
  id: string;
  bucket: string;
  key: string;
  meta: string;
  created: number;
}

export class FsUploadIndex {
  constructor(
    private readonly db: Database.Database,
    /** The index's cached prepared statement for an SQL text. */
    private readonly st: (sql: string) => Database.Statement,
    /** Points a key at a version (the objects table's upsert), inside the caller's transaction. */
    private readonly upsertObject: (
      bucket: string,
      info: VersionedInfo,
      precondition?: WritePrecondition,
    ) => VersionedInfo | null,
  ) {
    // Indexes made before parts kept their checksums.
    const cols = this.db.prepare('PRAGMA table_info(parts)').all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === 'checksum')) this.db.exec('ALTER TABLE parts ADD COLUMN checksum TEXT');
  }

  add(u: UploadInfo): void {
    this.st('INSERT INTO uploads (id, bucket, key, meta, created) VALUES (?, ?, ?, ?, ?)').run(
      u.uploadId,
      u.bucket,
      u.key,
      JSON.stringify(u.meta),
      u.initiated.getTime(),
    );
  }

  get(id: string): UploadInfo | null {
    const r = this.st('SELECT * FROM uploads WHERE id = ?').get(id) as UploadRow | undefined;
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

  /** Uploads of a bucket (every bucket with null) started before `before`, in key order. */
  list(bucket: string | null, before = Number.MAX_SAFE_INTEGER): UploadInfo[] {
    const rows = this.st(
      `SELECT id FROM uploads WHERE (? IS NULL OR bucket = ?) AND created < ? ORDER BY key, created, id`,
    ).all(bucket, bucket, before) as Array<{ id: string }>;
    return rows.map((r) => this.get(r.id)).filter((u): u is UploadInfo => u !== null);
  }

  /** Records a part; returns the file it replaced (same part number uploaded again). */
  upsertPart(uploadId: string, p: StoredPart): string | null {
    return this.db.transaction(() => {
      const old = this.st('SELECT version FROM parts WHERE upload_id = ? AND n = ?').get(
        uploadId,
        p.partNumber,
      ) as { version: string } | undefined;
      this.st(
        `INSERT INTO parts (upload_id, n, version, size, etag, mtime, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (upload_id, n) DO UPDATE SET version = excluded.version, size = excluded.size,
             etag = excluded.etag, mtime = excluded.mtime, checksum = excluded.checksum`,
      ).run(uploadId, p.partNumber, p.version, p.size, p.etag, p.lastModified.getTime(), p.checksum ?? null);
      return old?.version ?? null;
    })();
  }

  parts(uploadId: string): StoredPart[] {
    const rows = this.st('SELECT * FROM parts WHERE upload_id = ? ORDER BY n').all(uploadId) as Array<{
      n: number;
      version: string;
      size: number;
      etag: string;
      mtime: number;
      checksum: string | null;
    }>;
    return rows.map((r) => ({
      partNumber: r.n,
      version: r.version,
      size: r.size,
      etag: r.etag,
      lastModified: new Date(r.mtime),
      ...(r.checksum ? { checksum: r.checksum } : {}),
    }));
  }

  /**
   * Removes the upload and its parts; with `object`, atomically makes it the key's new version (if its
   * precondition holds; else nothing changes). Returns the replaced version.
   */
  finish(
    uploadId: string,
    object?: { bucket: string; info: VersionedInfo; precondition?: WritePrecondition | undefined },
  ): VersionedInfo | null {
    return this.db.transaction(() => {
      const replaced = object ? this.upsertObject(object.bucket, object.info, object.precondition) : null;
      this.st('DELETE FROM parts WHERE upload_id = ?').run(uploadId);
      this.st('DELETE FROM uploads WHERE id = ?').run(uploadId);
      return replaced;
    })();
  }

  /** The files of every stored part (a completion moves them into the data directory before it commits). */
  partFiles(): string[] {
    return this.st('SELECT version FROM parts').pluck().all() as string[];
  }
}
