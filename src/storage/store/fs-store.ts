/**
 * The `fs` ObjectStore: object bytes in version files on local disk, everything else in an SQLite index.
 *
 *   <root>/index.db                      keys -> versions, metadata, multipart state (./fs-index.ts)
 *   <root>/data/<bucket>/<ab>/<version>  one file per stored version, named at random
 *   <root>/uploads/<uploadId>/<version>  multipart parts (moved into data/ as segments on completion)
 *
 * A PUT writes a new version file (written, fsynced with its directory), then points the key at it in one
 * index transaction, then removes the old file. Concurrent PUTs of one key each write their own file, so
 * the key ends on one whole version. A reader that lost a race with that removal looks the key up again.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import { filesOf, FsIndex, type VersionedInfo } from './fs-index.ts';
import { ReaderPins, SyncReads, VersionReader } from './fs-read.ts';
import { fsyncDirs, newVersionId, partsEtag, processAlive, removeQuietly, writeDurably } from './fs-write.ts';
import type {
  ByteRange,
  ListedObject,
  ListOptions,
  ObjectInfo,
  ObjectMeta,
  ObjectStore,
  OpenObject,
  PartInfo,
  PutOptions,
  UploadInfo,
} from './object-store.ts';

const MIN_PART = 5 * 1024 * 1024;
const SAFE_NAME = /^[a-z0-9][a-z0-9.-]{1,62}$/;

function strip(v: VersionedInfo): ObjectInfo {
  const { version: _v, segments: _s, ...info } = v;
  return info;
}

export class FsObjectStore implements ObjectStore {
  readonly name = 'fs';
  private readonly index: FsIndex;
  private readonly pins = new ReaderPins();
  private readonly syncReads = new SyncReads();
  /** Buckets known to exist (checked on every request; the index is asked only on a miss). */
  private readonly knownBuckets = new Set<string>();
  private readonly knownDirs = new Set<string>();

  constructor(private readonly root: string) {
    for (const d of ['data', 'uploads', 'tmp']) mkdirSync(join(root, d), { recursive: true });
    // Temp files (of earlier TerraHub versions, which received bodies there) of processes that no longer
    // run are bodies that never finished: nothing refers to them. A running process's are left alone.
    for (const f of readdirSync(join(root, 'tmp'))) {
      if (!processAlive(Number(f.split('-')[0]))) rmSync(join(root, 'tmp', f), { force: true });
    }
    this.index = new FsIndex(join(root, 'index.db'));
  }

  /** Creates a version file's fan-out directory once (256 per bucket), not on every write. */
  private async newVersionFile(bucket: string, version: string): Promise<string> {
    const path = this.versionPath(bucket, version);
    const dir = dirname(path);
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.knownDirs.add(dir);
    }
    return path;
  }
  private versionPath(bucket: string, version: string): string {
    if (!SAFE_NAME.test(bucket)) throw new TerraHubError('TH_S3_INVALID_BUCKET_NAME');
    return join(this.root, 'data', bucket, version.slice(0, 2), version);
  }
  private partPath(uploadId: string, version: string): string {
    return join(this.root, 'uploads', uploadId, version);
  }
  private hasBucket(bucket: string): boolean {
    if (this.knownBuckets.has(bucket)) return true;
    const found = this.index.hasBucket(bucket);
    if (found) this.knownBuckets.add(bucket);
    return found;
  }
  private requireBucket(bucket: string): void {
    if (!this.hasBucket(bucket)) throw new TerraHubError('TH_S3_NO_SUCH_BUCKET', `no bucket "${bucket}"`);
  }

  async createBucket(bucket: string): Promise<void> {
    if (!SAFE_NAME.test(bucket)) throw new TerraHubError('TH_S3_INVALID_BUCKET_NAME');
    mkdirSync(join(this.root, 'data', bucket), { recursive: true });
    this.index.addBucket(bucket);
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.requireBucket(bucket);
    if (!this.index.removeBucket(bucket)) throw new TerraHubError('TH_S3_BUCKET_NOT_EMPTY');
    this.knownBuckets.delete(bucket);
    const under = join(this.root, 'data', bucket) + '/';
    for (const d of this.knownDirs) if (d.startsWith(under)) this.knownDirs.delete(d);
    await rm(join(this.root, 'data', bucket), { recursive: true, force: true });
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return this.hasBucket(bucket);
  }

  async put(bucket: string, key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions) {
    this.requireBucket(bucket);
    const version = newVersionId();
    const dest = await this.newVersionFile(bucket, version);
    const { size, md5 } = await writeDurably(body, dest, opts);
    const info: VersionedInfo = {
      key,
      version,
      size,
      etag: `"${md5.toString('hex')}"`,
      lastModified: new Date(),
      meta,
      segments: null,
    };
    return strip(await this.commit(bucket, dest, info));
  }

  private async commit(bucket: string, dest: string, info: VersionedInfo): Promise<VersionedInfo> {
    let old: VersionedInfo | null;
    try {
      old = this.index.upsert(bucket, info);
    } catch (e) {
      await removeQuietly(dest);
      throw e;
    }
    if (old) await this.removeVersion(bucket, old);
    return info;
  }

  /** Removes a replaced or deleted version's files (a multipart object's once no reader here uses it). */
  private async removeVersion(bucket: string, v: VersionedInfo): Promise<void> {
    const paths = filesOf(v).map((f) => this.versionPath(bucket, f));
    await this.pins.removeWhenUnread(v.version, async () => {
      for (const p of paths) await removeQuietly(p);
    });
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    this.requireBucket(bucket);
    const v = this.index.find(bucket, key);
    return v ? strip(v) : null;
  }

  /** Opens the current version, looking the key up again if a writer replaced it meanwhile. */
  private openCurrent(bucket: string, key: string): VersionReader | null {
    for (let attempt = 0; attempt < 5; attempt++) {
      const v = this.index.find(bucket, key);
      if (!v) return null;
      try {
        return new VersionReader(v, (f) => this.versionPath(bucket, f), this.pins, this.syncReads);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    throw new TerraHubError('TH_UNAVAILABLE', 'the object is being rewritten too often to read; retry');
  }

  async get(bucket: string, key: string, range?: ByteRange) {
    this.requireBucket(bucket);
    const reader = this.openCurrent(bucket, key);
    if (!reader) return null;
    return { info: strip(reader.info), body: reader.stream(range) };
  }

  async open(bucket: string, key: string): Promise<OpenObject | null> {
    this.requireBucket(bucket);
    const reader = this.openCurrent(bucket, key);
    if (!reader) return null;
    return {
      info: strip(reader.info),
      read: (r, into) => reader.read(r, into),
      stream: (r) => reader.stream(r),
      close: async () => reader.close(),
    };
  }

  async readRange(bucket: string, key: string, offset: number, length: number): Promise<Buffer> {
    const reader = this.openCurrent(bucket, key);
    if (!reader) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${key}" in bucket "${bucket}"`);
    if (length <= 0 || offset >= reader.info.size) {
      reader.close();
      return Buffer.alloc(0);
    }
    return reader.read({ start: offset, end: offset + length - 1 });
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    this.requireBucket(bucket);
    const old = this.index.remove(bucket, key);
    if (old) await this.removeVersion(bucket, old);
    return old !== null;
  }

  async list(bucket: string, opts: ListOptions): Promise<ListedObject[]> {
    this.requireBucket(bucket);
    return this.index.list(bucket, opts.prefix ?? '', opts.after ?? '', opts.limit);
  }

  async bucketSize(bucket: string): Promise<number> {
    return this.index.bucketSize(bucket);
  }

  changeCount(): number {
    return this.index.changes();
  }

  // --- multipart ----------------------------------------------------------------------------------

  async createUpload(bucket: string, key: string, meta: ObjectMeta): Promise<string> {
    this.requireBucket(bucket);
    const uploadId = randomBytes(18).toString('base64url');
    mkdirSync(join(this.root, 'uploads', uploadId), { recursive: true });
    this.index.addUpload({ uploadId, bucket, key, meta, initiated: new Date() });
    return uploadId;
  }

  async getUpload(uploadId: string): Promise<UploadInfo | null> {
    return /^[\w-]{1,64}$/.test(uploadId) ? this.index.upload(uploadId) : null;
  }

  private async requireUpload(uploadId: string): Promise<UploadInfo> {
    const u = await this.getUpload(uploadId);
    if (!u) throw new TerraHubError('TH_S3_NO_SUCH_UPLOAD');
    return u;
  }

  async putPart(uploadId: string, partNumber: number, body: Readable, opts?: PutOptions): Promise<PartInfo> {
    await this.requireUpload(uploadId);
    const version = newVersionId();
    const { size, md5 } = await writeDurably(body, this.partPath(uploadId, version), opts);
    const part = { partNumber, size, etag: `"${md5.toString('hex')}"`, lastModified: new Date(), version };
    if (!(await this.getUpload(uploadId))) {
      // Aborted while the part was arriving.
      await removeQuietly(this.partPath(uploadId, version));
      throw new TerraHubError('TH_S3_NO_SUCH_UPLOAD');
    }
    const old = this.index.upsertPart(uploadId, part);
    if (old) await removeQuietly(this.partPath(uploadId, old));
    const { version: _v, ...info } = part;
    return info;
  }

  async listParts(uploadId: string): Promise<PartInfo[]> {
    await this.requireUpload(uploadId);
    return this.index.parts(uploadId).map(({ version: _v, ...p }) => p);
  }

  async completeUpload(uploadId: string, wanted: Array<{ partNumber: number; etag: string }>) {
    const upload = await this.requireUpload(uploadId);
    const stored = new Map(this.index.parts(uploadId).map((p) => [p.partNumber, p]));
    const chosen = wanted.map((w, i) => {
      const p = stored.get(w.partNumber);
      if (i > 0 && w.partNumber <= wanted[i - 1]!.partNumber)
        throw new TerraHubError('TH_S3_INVALID_PART_ORDER');
      if (!p || p.etag.replace(/"/g, '') !== w.etag.replace(/"/g, '')) {
        throw new TerraHubError('TH_S3_INVALID_PART', `part ${w.partNumber} is missing or its ETag differs`);
      }
      if (i < wanted.length - 1 && p.size < MIN_PART) {
        throw new TerraHubError(
          'TH_S3_ENTITY_TOO_SMALL',
          `part ${w.partNumber} is ${p.size} bytes, under 5 MiB`,
        );
      }
      return p;
    });
    if (chosen.length === 0) throw new TerraHubError('TH_S3_MALFORMED_XML', 'no parts were listed');
    // The parts' files become the object's segments: moved (renamed) into the bucket, never copied.
    const dirs = new Set<string>();
    for (const p of chosen) {
      const dest = await this.newVersionFile(upload.bucket, p.version);
      await rename(this.partPath(uploadId, p.version), dest).catch(async (e: NodeJS.ErrnoException) => {
        // Moved already by a completion that a crash cut short before it committed: retried, it goes on.
        if (e.code !== 'ENOENT' || !(await stat(dest).catch(() => null))) throw e;
      });
      dirs.add(dirname(dest));
    }
    await fsyncDirs([...dirs]);
    const single = chosen.length === 1 ? chosen[0]! : null;
    const info: VersionedInfo = {
      key: upload.key,
      version: single ? single.version : newVersionId(),
      size: chosen.reduce((n, p) => n + p.size, 0),
      etag: `"${partsEtag(chosen.map((p) => p.etag))}-${chosen.length}"`,
      lastModified: new Date(),
      meta: upload.meta,
      segments: single ? null : chosen.map((p) => ({ file: p.version, size: p.size })),
    };
    const old = this.index.finishUpload(uploadId, { bucket: upload.bucket, info });
    if (old) await this.removeVersion(upload.bucket, old);
    await rm(join(this.root, 'uploads', uploadId), { recursive: true, force: true });
    return strip(info);
  }

  async abortUpload(uploadId: string): Promise<void> {
    await this.requireUpload(uploadId);
    this.index.finishUpload(uploadId);
    await rm(join(this.root, 'uploads', uploadId), { recursive: true, force: true });
  }

  async listUploads(bucket: string): Promise<UploadInfo[]> {
    this.requireBucket(bucket);
    return this.index.uploads(bucket);
  }

  async expireUploads(before: Date): Promise<number> {
    const old = this.index.uploads(null, before.getTime());
    for (const u of old) await this.abortUpload(u.uploadId).catch(() => undefined);
    return old.length;
  }

  /**
   * Version files the index does not name: a crash between a rename and its index commit leaves one. Only
   * old files go, since a writer (this process or a server beside a CLI) is between those two steps for
   * milliseconds.
   */
  async sweepOrphans(before: Date): Promise<number> {
    const live = this.index.liveVersions();
    let removed = 0;
    const data = join(this.root, 'data');
    for (const bucket of await readdir(data)) {
      for (const fan of await readdir(join(data, bucket)).catch(() => [] as string[])) {
        const dir = join(data, bucket, fan);
        for (const f of await readdir(dir).catch(() => [] as string[])) {
          if (live.has(f)) continue;
          const st = await stat(join(dir, f)).catch(() => null);
          if (st && st.mtime < before && !this.index.liveVersions().has(f)) {
            await removeQuietly(join(dir, f));
            removed++;
          }
        }
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.index.close();
  }
}
