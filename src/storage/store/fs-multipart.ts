/**
 * Multipart uploads of the `fs` driver. Parts are written durably into `<root>/uploads/<uploadId>/`, and
 * completing an upload moves (renames) the chosen part files into the bucket's data directory as the new
 * object's segments: the bytes are never copied a second time. The index (./fs-index.uploads.ts) commits
 * the object and forgets the upload in one transaction.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import type { VersionedInfo } from './fs-index.ts';
import type { FsUploadIndex, StoredPart } from './fs-index.uploads.ts';
import { fsyncDirs, newVersionId, partsEtag, removeQuietly, writeDurably } from './fs-write.ts';
import {
  completedMeta,
  type CompleteOptions,
  type ObjectMeta,
  type PartInfo,
  type PutOptions,
  type UploadInfo,
} from './object-store.ts';

const MIN_PART = 5 * 1024 * 1024;

/** What multipart needs of the object side of the driver. */
export interface FsObjectFiles {
  requireBucket(bucket: string): void;
  /** The path of a new version file of `bucket` (its directory exists). */
  newVersionFile(bucket: string, version: string): Promise<string>;
  versionPath(bucket: string, version: string): string;
  /** Removes a replaced version's files once no reader uses them. */
  removeVersion(bucket: string, v: VersionedInfo): Promise<void>;
}

export class FsMultipart {
  constructor(
    private readonly root: string,
    private readonly index: FsUploadIndex,
    private readonly objects: FsObjectFiles,
  ) {}

  private dir(uploadId: string): string {
    return join(this.root, 'uploads', uploadId);
  }
  private partPath(uploadId: string, version: string): string {
    return join(this.dir(uploadId), version);
  }

  async create(bucket: string, key: string, meta: ObjectMeta): Promise<string> {
    this.objects.requireBucket(bucket);
    const uploadId = randomBytes(18).toString('base64url');
    mkdirSync(this.dir(uploadId), { recursive: true });
    this.index.add({ uploadId, bucket, key, meta, initiated: new Date() });
    return uploadId;
  }

  async get(uploadId: string): Promise<UploadInfo | null> {
    return /^[\w-]{1,64}$/.test(uploadId) ? this.index.get(uploadId) : null;
  }

  private async require(uploadId: string): Promise<UploadInfo> {
    const u = await this.get(uploadId);
    if (!u) throw new TerraHubError('TH_S3_NO_SUCH_UPLOAD');
    return u;
  }

  async putPart(uploadId: string, partNumber: number, body: Readable, opts?: PutOptions): Promise<PartInfo> {
    await this.require(uploadId);
    const version = newVersionId();
    const { size, md5 } = await writeDurably(body, this.partPath(uploadId, version), opts);
    const checksum = opts?.checksum?.();
    const part: StoredPart = {
      partNumber,
      size,
      etag: `"${md5.toString('hex')}"`,
      lastModified: new Date(),
      version,
      ...(checksum ? { checksum } : {}),
    };
    if (!(await this.get(uploadId))) {
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
    await this.require(uploadId);
    return this.index.parts(uploadId).map(({ version: _v, ...p }) => p);
  }

  /** Joins the named parts into the object; returns the new version (with its internal fields). */
  async complete(
    uploadId: string,
    wanted: Array<{ partNumber: number; etag: string }>,
    opts: CompleteOptions = {},
  ): Promise<VersionedInfo> {
    const upload = await this.require(uploadId);
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
      const dest = await this.objects.newVersionFile(upload.bucket, p.version);
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
      meta: completedMeta(upload.meta, opts.checksum),
      segments: single ? null : chosen.map((p) => ({ file: p.version, size: p.size })),
    };
    let old: VersionedInfo | null;
    try {
      old = this.index.finish(uploadId, { bucket: upload.bucket, info, precondition: opts.precondition });
    } catch (e) {
      // Refused (a precondition): the parts go back to their upload, which stays as it was.
      for (const p of chosen) {
        const from = this.objects.versionPath(upload.bucket, p.version);
        await rename(from, this.partPath(uploadId, p.version)).catch(() => undefined);
      }
      throw e;
    }
    if (old) await this.objects.removeVersion(upload.bucket, old);
    await rm(this.dir(uploadId), { recursive: true, force: true });
    return info;
  }

  async abort(uploadId: string): Promise<void> {
    await this.require(uploadId);
    this.index.finish(uploadId);
    await rm(this.dir(uploadId), { recursive: true, force: true });
  }

  async list(bucket: string): Promise<UploadInfo[]> {
    this.objects.requireBucket(bucket);
    return this.index.list(bucket);
  }

  async expire(before: Date): Promise<number> {
    const old = this.index.list(null, before.getTime());
    for (const u of old) await this.abort(u.uploadId).catch(() => undefined);
    return old.length;
  }
}
