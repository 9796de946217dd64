/**
 * The `s3` ObjectStore: object bytes in one bucket of any S3 service (AWS SDK v3), for when a group outgrows
 * local disk. TerraHub's buckets are prefixes of that bucket:
 *
 *   b/<bucket>          an empty marker: the bucket exists
 *   o/<bucket>/<key>    the object, with its metadata as the backend's own
 *   t/<random>          a body being received, copied into place once its checks passed
 *
 * Writes go to a temporary key first so that a refused body (quota, checksum) never becomes visible; the
 * backend's PUT and CopyObject are atomic, so readers see whole versions.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { errName, metaOf, metaParams, meter } from './s3-store.meta.ts';
import { TerraHubError } from '../../core/errors.ts';
import type * as S from './object-store.ts';

const O = (bucket: string, key: string) => `o/${bucket}/${key}`;

export class S3ObjectStore implements S.ObjectStore {
  readonly name = 's3';
  private readonly c: S3Client;

  constructor(
    config: S3ClientConfig,
    private readonly backend: string,
  ) {
    this.c = new S3Client({ forcePathStyle: true, ...config });
  }

  private async requireBucket(bucket: string): Promise<void> {
    if (!(await this.bucketExists(bucket)))
      throw new TerraHubError('TH_S3_NO_SUCH_BUCKET', `no bucket "${bucket}"`);
  }

  async createBucket(bucket: string): Promise<void> {
    await this.c.send(new PutObjectCommand({ Bucket: this.backend, Key: `b/${bucket}`, Body: '' }));
  }

  async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.c.send(new HeadObjectCommand({ Bucket: this.backend, Key: `b/${bucket}` }));
      return true;
    } catch (e) {
      if (errName(e) === 'NotFound' || errName(e) === 'NoSuchKey') return false;
      throw e;
    }
  }

  async deleteBucket(bucket: string): Promise<void> {
    await this.requireBucket(bucket);
    const any = await this.c.send(
      new ListObjectsV2Command({ Bucket: this.backend, Prefix: `o/${bucket}/`, MaxKeys: 1 }),
    );
    if ((any.KeyCount ?? 0) > 0 || (await this.listUploads(bucket)).length > 0) {
      throw new TerraHubError('TH_S3_BUCKET_NOT_EMPTY');
    }
    await this.c.send(new DeleteObjectCommand({ Bucket: this.backend, Key: `b/${bucket}` }));
  }

  async put(
    bucket: string,
    key: string,
    body: Readable,
    meta: S.ObjectMeta,
    opts: S.PutOptions = {},
  ): Promise<S.ObjectInfo> {
    await this.requireBucket(bucket);
    const tmp = `t/${randomBytes(16).toString('hex')}`;
    const m = meter(opts.maxBytes ?? Number.POSITIVE_INFINITY);
    body.on('error', (e) => m.destroy(e));
    try {
      await new Upload({
        client: this.c,
        params: { Bucket: this.backend, Key: tmp, Body: body.pipe(m), ...metaParams(meta) },
      }).done();
      await opts.check?.();
      // Checked right before the copy, not atomically with it.
      if (opts.precondition) opts.precondition(await this.head(bucket, key));
      await this.c.send(
        new CopyObjectCommand({
          Bucket: this.backend,
          Key: O(bucket, key),
          CopySource: `${this.backend}/${encodeURIComponent(tmp)}`,
        }),
      );
    } finally {
      await this.c.send(new DeleteObjectCommand({ Bucket: this.backend, Key: tmp })).catch(() => undefined);
    }
    const info = await this.head(bucket, key);
    if (!info) throw new TerraHubError('TH_UNAVAILABLE', 'the object vanished right after it was written');
    return info;
  }

  async head(bucket: string, key: string): Promise<S.ObjectInfo | null> {
    try {
      const r = await this.c.send(new HeadObjectCommand({ Bucket: this.backend, Key: O(bucket, key) }));
      return {
        key,
        size: r.ContentLength ?? 0,
        etag: r.ETag ?? '""',
        lastModified: r.LastModified ?? new Date(),
        meta: metaOf(r),
      };
    } catch (e) {
      if (errName(e) === 'NotFound' || errName(e) === 'NoSuchKey') {
        await this.requireBucket(bucket);
        return null;
      }
      throw e;
    }
  }

  private async fetch(bucket: string, key: string, range?: S.ByteRange, ifMatch?: string) {
    try {
      return await this.c.send(
        new GetObjectCommand({
          Bucket: this.backend,
          Key: O(bucket, key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          ...(ifMatch ? { IfMatch: ifMatch } : {}),
        }),
      );
    } catch (e) {
      if (errName(e) === 'NoSuchKey') return null;
      throw e;
    }
  }

  async get(bucket: string, key: string, range?: S.ByteRange) {
    const info = await this.head(bucket, key);
    if (!info) return null;
    const r = await this.fetch(bucket, key, range, info.etag);
    return r ? { info, body: r.Body as Readable } : null;
  }

  async open(bucket: string, key: string): Promise<S.OpenObject | null> {
    const info = await this.head(bucket, key);
    if (!info) return null;
    const streamOf = async (range?: S.ByteRange) => {
      const r = await this.fetch(bucket, key, range, info.etag);
      if (!r) throw new TerraHubError('TH_S3_NO_SUCH_KEY');
      return r;
    };
    return {
      info,
      read: async (range) => Buffer.from(await (await streamOf(range)).Body!.transformToByteArray()),
      stream: (range) => {
        const out = new PassThrough();
        streamOf(range).then(
          (r) => (r.Body as Readable).pipe(out),
          (e: Error) => out.destroy(e),
        );
        return out;
      },
      close: async () => undefined,
    };
  }

  async readRange(bucket: string, key: string, offset: number, length: number): Promise<Buffer> {
    const info = await this.head(bucket, key);
    if (!info) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${key}" in bucket "${bucket}"`);
    const end = Math.min(info.size, offset + length) - 1;
    if (end < offset) return Buffer.alloc(0);
    const r = await this.fetch(bucket, key, { start: offset, end });
    return Buffer.from(await r!.Body!.transformToByteArray());
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    const existed = (await this.head(bucket, key)) !== null;
    if (existed) await this.c.send(new DeleteObjectCommand({ Bucket: this.backend, Key: O(bucket, key) }));
    return existed;
  }

  async list(bucket: string, opts: S.ListOptions): Promise<S.ObjectInfo[]> {
    await this.requireBucket(bucket);
    const base = `o/${bucket}/`;
    const r = await this.c.send(
      new ListObjectsV2Command({
        Bucket: this.backend,
        Prefix: base + (opts.prefix ?? ''),
        ...(opts.after ? { StartAfter: base + opts.after } : {}),
        MaxKeys: Math.max(1, Math.min(1000, opts.limit)),
      }),
    );
    return (r.Contents ?? []).map((o) => ({
      key: o.Key!.slice(base.length),
      size: o.Size ?? 0,
      etag: o.ETag ?? '""',
      lastModified: o.LastModified ?? new Date(),
      meta: { user: {} },
    }));
  }

  async bucketSize(bucket: string): Promise<number> {
    let total = 0;
    let token: string | undefined;
    do {
      const r = await this.c.send(
        new ListObjectsV2Command({ Bucket: this.backend, Prefix: `o/${bucket}/`, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) total += o.Size ?? 0;
      token = r.NextContinuationToken;
    } while (token);
    return total;
  }

  // --- multipart: the backend's own, on the object's final key ---------------------------------------

  async createUpload(bucket: string, key: string, meta: S.ObjectMeta): Promise<string> {
    await this.requireBucket(bucket);
    const r = await this.c.send(
      new CreateMultipartUploadCommand({ Bucket: this.backend, Key: O(bucket, key), ...metaParams(meta) }),
    );
    return r.UploadId!;
  }

  private async allUploads(): Promise<S.UploadInfo[]> {
    const r = await this.c.send(new ListMultipartUploadsCommand({ Bucket: this.backend, Prefix: 'o/' }));
    return (r.Uploads ?? []).map((u) => {
      const rest = u.Key!.slice(2);
      const slash = rest.indexOf('/');
      return {
        uploadId: u.UploadId!,
        bucket: rest.slice(0, slash),
        key: rest.slice(slash + 1),
        initiated: u.Initiated ?? new Date(),
        meta: { user: {} },
      };
    });
  }

  async getUpload(uploadId: string): Promise<S.UploadInfo | null> {
    return (await this.allUploads()).find((u) => u.uploadId === uploadId) ?? null;
  }

  private async requireUpload(uploadId: string): Promise<S.UploadInfo> {
    const u = await this.getUpload(uploadId);
    if (!u) throw new TerraHubError('TH_S3_NO_SUCH_UPLOAD');
    return u;
  }

  async putPart(
    uploadId: string,
    partNumber: number,
    body: Readable,
    opts: S.PutOptions = {},
  ): Promise<S.PartInfo> {
    const u = await this.requireUpload(uploadId);
    // A part needs its length up front; parts are at most 5 GiB and usually a few MiB.
    const m = meter(opts.maxBytes ?? Number.POSITIVE_INFINITY);
    const chunks: Buffer[] = [];
    for await (const c of body.pipe(m)) chunks.push(c as Buffer);
    await opts.check?.();
    const data = Buffer.concat(chunks);
    const r = await this.c.send(
      new UploadPartCommand({
        Bucket: this.backend,
        Key: O(u.bucket, u.key),
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: data,
      }),
    );
    return { partNumber, size: data.length, etag: r.ETag!, lastModified: new Date() };
  }

  async listParts(uploadId: string): Promise<S.PartInfo[]> {
    const u = await this.requireUpload(uploadId);
    const r = await this.c.send(
      new ListPartsCommand({ Bucket: this.backend, Key: O(u.bucket, u.key), UploadId: uploadId }),
    );
    return (r.Parts ?? []).map((p) => ({
      partNumber: p.PartNumber!,
      size: p.Size ?? 0,
      etag: p.ETag!,
      lastModified: p.LastModified ?? new Date(),
    }));
  }

  async completeUpload(
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    opts: S.CompleteOptions = {},
  ): Promise<S.ObjectInfo> {
    const u = await this.requireUpload(uploadId);
    for (let i = 1; i < parts.length; i++) {
      if (parts[i]!.partNumber <= parts[i - 1]!.partNumber)
        throw new TerraHubError('TH_S3_INVALID_PART_ORDER');
    }
    if (opts.precondition) opts.precondition(await this.head(u.bucket, u.key));
    try {
      await this.c.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.backend,
          Key: O(u.bucket, u.key),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    } catch (e) {
      const name = errName(e);
      if (name === 'InvalidPart') throw new TerraHubError('TH_S3_INVALID_PART');
      if (name === 'EntityTooSmall') throw new TerraHubError('TH_S3_ENTITY_TOO_SMALL');
      throw e;
    }
    return (await this.head(u.bucket, u.key))!;
  }

  async abortUpload(uploadId: string): Promise<void> {
    const u = await this.requireUpload(uploadId);
    await this.c.send(
      new AbortMultipartUploadCommand({ Bucket: this.backend, Key: O(u.bucket, u.key), UploadId: uploadId }),
    );
  }

  async listUploads(bucket: string): Promise<S.UploadInfo[]> {
    await this.requireBucket(bucket);
    return (await this.allUploads()).filter((u) => u.bucket === bucket);
  }

  async expireUploads(before: Date): Promise<number> {
    const old = (await this.allUploads()).filter((u) => u.initiated < before);
    for (const u of old) await this.abortUpload(u.uploadId).catch(() => undefined);
    return old.length;
  }

  async close(): Promise<void> {
    this.c.destroy();
  }
}
