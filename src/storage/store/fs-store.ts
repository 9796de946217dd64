/**
 * The `fs` ObjectStore: object bytes in version files on local disk, everything else in an SQLite index.
 *
 *   <root>/index.db                      keys -> versions, metadata, multipart state (./fs-index.ts)
 *   <root>/data/<bucket>/<ab>/<version>  one file per stored version, named at random
 *   <root>/uploads/<uploadId>/<version>  multipart parts (moved into data/ as segments on completion;
 *                                        ./fs-multipart.ts)
 *
 * A PUT writes a new version file (written, fsynced with its directory), then points the key at it in one
 * index transaction, then removes the old file. Concurrent PUTs of one key each write their own file, so
 * the key ends on one whole version. A reader that lost a race with that removal looks the key up again.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import { filesOf, FsIndex, type VersionedInfo } from './fs-index.ts';
import { FdCache } from './fs-fdcache.ts';
import { OpenVersion, ReaderPins, SyncReads, VersionReader } from './fs-read.ts';
import { InfoCache } from './fs-info-cache.ts';
import { FsMultipart, type FsObjectFiles } from './fs-multipart.ts';
import { newVersionId, processAlive, removeQuietly, writeDurably } from './fs-write.ts';
import type {
  ByteRange,
  CompleteOptions,
  ListedObject,
  ListOptions,
  ObjectInfo,
  ObjectMeta,
  ObjectStore,
  OpenObject,
  PartInfo,
  PutOptions,
  UploadInfo,
  WritePrecondition,
} from './object-store.ts';

const SAFE_NAME = /^[a-z0-9][a-z0-9.-]{1,62}$/;

/** Made once per index row: rows of objects read again are reused (./fs-info-cache.ts), and so is this. */
const stripped = new WeakMap<VersionedInfo, ObjectInfo>();

function strip(v: VersionedInfo): ObjectInfo {
  let out = stripped.get(v);
  if (!out) {
    const { version: _v, segments, ...info } = v;
    out = segments ? { ...info, partSizes: segments.map((g) => g.size) } : info;
    stripped.set(v, out);
  }
  return out;
}

export class FsObjectStore implements ObjectStore, FsObjectFiles {
  readonly name = 'fs';
  private readonly index: FsIndex;
  private readonly multipart: FsMultipart;
  private readonly pins = new ReaderPins();
  private readonly syncReads = new SyncReads();
  /** Descriptors of version files, shared by readers (./fs-read.ts). */
  private readonly fds = new FdCache();
  /** Index rows of objects read recently (./fs-info-cache.ts). */
  private readonly infoCache = new InfoCache();
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
    this.multipart = new FsMultipart(root, this.index.uploads, this);
  }

  /** Creates a version file's fan-out directory once (256 per bucket), not on every write. */
  async newVersionFile(bucket: string, version: string): Promise<string> {
    const path = this.versionPath(bucket, version);
    const dir = dirname(path);
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.knownDirs.add(dir);
    }
    return path;
  }
  versionPath(bucket: string, version: string): string {
    if (!SAFE_NAME.test(bucket)) throw new TerraHubError('TH_S3_INVALID_BUCKET_NAME');
    return join(this.root, 'data', bucket, version.slice(0, 2), version);
  }
  private hasBucket(bucket: string): boolean {
    if (this.knownBuckets.has(bucket)) return true;
    const found = this.index.hasBucket(bucket);
    if (found) this.knownBuckets.add(bucket);
    return found;
  }
  requireBucket(bucket: string): void {
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
    return strip(await this.commit(bucket, dest, info, opts?.precondition));
  }

  private async commit(
    bucket: string,
    dest: string,
    info: VersionedInfo,
    precondition?: WritePrecondition,
  ): Promise<VersionedInfo> {
    let old: VersionedInfo | null;
    try {
      old = this.index.upsert(bucket, info, precondition);
    } catch (e) {
      await removeQuietly(dest);
      throw e;
    }
    if (old) await this.removeVersion(bucket, old);
    return info;
  }

  /** Removes a replaced or deleted version's files (a multipart object's once no reader here uses it). */
  async removeVersion(bucket: string, v: VersionedInfo): Promise<void> {
    const paths = filesOf(v).map((f) => this.versionPath(bucket, f));
    await this.pins.removeWhenUnread(v.version, async () => {
      for (const p of paths) {
        await removeQuietly(p);
        this.fds.forget(p);
      }
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
      const v = this.infoCache.find(bucket, key, this.index.changes(), () => this.index.find(bucket, key));
      if (!v) return null;
      try {
        return new VersionReader(v, (f) => this.versionPath(bucket, f), this.pins, this.syncReads, this.fds);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        this.infoCache.drop(bucket, key);
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
    return new OpenVersion(strip(reader.info), reader);
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

  // --- multipart (./fs-multipart.ts) ------------------------------------------------------------

  createUpload(bucket: string, key: string, meta: ObjectMeta): Promise<string> {
    return this.multipart.create(bucket, key, meta);
  }
  getUpload(uploadId: string): Promise<UploadInfo | null> {
    return this.multipart.get(uploadId);
  }
  putPart(uploadId: string, partNumber: number, body: Readable, opts?: PutOptions): Promise<PartInfo> {
    return this.multipart.putPart(uploadId, partNumber, body, opts);
  }
  listParts(uploadId: string): Promise<PartInfo[]> {
    return this.multipart.listParts(uploadId);
  }
  async completeUpload(
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    opts?: CompleteOptions,
  ) {
    return strip(await this.multipart.complete(uploadId, parts, opts));
  }
  abortUpload(uploadId: string): Promise<void> {
    return this.multipart.abort(uploadId);
  }
  listUploads(bucket: string): Promise<UploadInfo[]> {
    return this.multipart.list(bucket);
  }
  expireUploads(before: Date): Promise<number> {
    return this.multipart.expire(before);
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
    this.fds.closeIdle();
    this.index.close();
  }
}
