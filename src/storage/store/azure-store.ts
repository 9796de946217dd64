/**
 * The `azure` ObjectStore: object bytes in one Azure Blob Storage container (@azure/storage-blob), for
 * when a group outgrows local disk. The layout is in ./azure-store.names.ts.
 *
 * A body is streamed into blocks of a temporary blob, committed there once its checks passed, then copied
 * onto the object's name: Azure's copy replaces a blob atomically, so readers see whole versions, and
 * concurrent PUTs of one key never share a blob's uncommitted blocks (committing a block list drops the
 * blob's other uncommitted blocks). Multipart uploads stage their parts as blocks of one blob per upload
 * (./azure-store.uploads.ts).
 */
import { BlobServiceClient, type BlockBlobClient, type ContainerClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import { stageBody } from './azure-store.blocks.ts';
import { AzureLister } from './azure-store.list.ts';
import {
  bucketMarker,
  httpHeaders,
  metaFromAzure,
  metaToAzure,
  objectName,
  statusOf,
} from './azure-store.names.ts';
import { AzureUploads } from './azure-store.uploads.ts';
import type * as S from './object-store.ts';

export interface AzureStoreConfig {
  /** An Azure Storage connection string (account and key, or Azurite's). */
  connectionString: string;
  container: string;
}

/** Azure's answer as an ObjectInfo (properties of a HEAD or a download). */
function infoOf(
  key: string,
  p: { contentLength?: number; lastModified?: Date; metadata?: Record<string, string> },
): S.ObjectInfo {
  const { meta, etag } = metaFromAzure(p.metadata);
  return { key, size: p.contentLength ?? 0, etag, lastModified: p.lastModified ?? new Date(), meta };
}

async function collect(r: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r ?? []) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export class AzureObjectStore implements S.ObjectStore {
  readonly name = 'azure';
  private readonly service: BlobServiceClient;
  private ready: Promise<ContainerClient> | null = null;
  private readonly lister: AzureLister;
  private readonly uploads: AzureUploads;

  constructor(private readonly config: AzureStoreConfig) {
    this.service = BlobServiceClient.fromConnectionString(config.connectionString);
    this.lister = new AzureLister(() => this.container());
    this.uploads = new AzureUploads(
      () => this.container(),
      (bucket) => this.requireBucket(bucket),
      (tmp, bucket, key, pre) => this.publish(tmp, bucket, key, pre),
    );
  }

  /** The container, made on first use. */
  private container(): Promise<ContainerClient> {
    this.ready ??= (async () => {
      const c = this.service.getContainerClient(this.config.container);
      await c.createIfNotExists();
      return c;
    })().catch((e: unknown) => {
      this.ready = null;
      throw e;
    });
    return this.ready;
  }

  private async blob(name: string): Promise<BlockBlobClient> {
    return (await this.container()).getBlockBlobClient(name);
  }

  private async requireBucket(bucket: string): Promise<void> {
    if (!(await this.bucketExists(bucket)))
      throw new TerraHubError('TH_S3_NO_SUCH_BUCKET', `no bucket "${bucket}"`);
  }

  async createBucket(bucket: string): Promise<void> {
    await (await this.blob(bucketMarker(bucket))).upload('', 0);
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return (await this.blob(bucketMarker(bucket))).exists();
  }

  async deleteBucket(bucket: string): Promise<void> {
    await this.requireBucket(bucket);
    if ((await this.lister.list(bucket, { limit: 1 })).length > 0 || (await this.listUploads(bucket)).length)
      throw new TerraHubError('TH_S3_BUCKET_NOT_EMPTY');
    await (await this.blob(bucketMarker(bucket))).deleteIfExists();
    this.lister.touched(bucket);
  }

  /** Copies a committed temporary blob onto an object's name (atomic on Azure's side). */
  private async publish(
    tmp: BlockBlobClient,
    bucket: string,
    key: string,
    precondition?: S.WritePrecondition,
  ): Promise<S.ObjectInfo> {
    // Checked right before the copy, not atomically with it (a conditional copy would need Azure's ETag).
    if (precondition) precondition(await this.head(bucket, key));
    const dest = await this.blob(objectName(bucket, key));
    const poller = await dest.beginCopyFromURL(tmp.url, { intervalInMs: 100 });
    await poller.pollUntilDone();
    this.lister.touched(bucket);
    const info = await this.head(bucket, key);
    if (!info) throw new TerraHubError('TH_UNAVAILABLE', 'the object vanished right after it was written');
    return info;
  }

  async put(bucket: string, key: string, body: Readable, meta: S.ObjectMeta, opts: S.PutOptions = {}) {
    await this.requireBucket(bucket);
    const tmp = await this.blob(`_t/${randomBytes(16).toString('hex')}`);
    let committed = false;
    try {
      const staged = await stageBody(tmp, body, 'b', opts.maxBytes);
      await opts.check?.();
      await tmp.commitBlockList(staged.ids, {
        metadata: metaToAzure(meta, `"${staged.md5.toString('hex')}"`),
        blobHTTPHeaders: httpHeaders(meta),
      });
      committed = true;
      return await this.publish(tmp, bucket, key, opts.precondition);
    } finally {
      // An empty commit drops the staged blocks of a body that was refused.
      if (!committed) await tmp.commitBlockList([]).catch(() => undefined);
      await tmp.deleteIfExists().catch(() => undefined);
    }
  }

  async head(bucket: string, key: string): Promise<S.ObjectInfo | null> {
    try {
      return infoOf(key, await (await this.blob(objectName(bucket, key))).getProperties());
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
      await this.requireBucket(bucket);
      return null;
    }
  }

  async get(bucket: string, key: string, range?: S.ByteRange) {
    const blob = await this.blob(objectName(bucket, key));
    try {
      const r = range
        ? await blob.download(range.start, range.end - range.start + 1, { maxRetryRequests: 3 })
        : await blob.download(0, undefined, { maxRetryRequests: 3 });
      // A ranged answer's Content-Length is the range's; the object's size is after the slash.
      const total = r.contentRange ? Number(r.contentRange.split('/')[1]) : r.contentLength;
      return {
        info: infoOf(key, { ...r, ...(total !== undefined ? { contentLength: total } : {}) }),
        body: r.readableStreamBody as Readable,
      };
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
      await this.requireBucket(bucket);
      return null;
    }
  }

  async open(bucket: string, key: string): Promise<S.OpenObject | null> {
    const blob = await this.blob(objectName(bucket, key));
    let props;
    try {
      props = await blob.getProperties();
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
      await this.requireBucket(bucket);
      return null;
    }
    const info = infoOf(key, props);
    // Every read is of the version `info` describes; a newer one fails the read rather than mixing.
    const fetch = async (range?: S.ByteRange) => {
      try {
        return await blob.download(range?.start ?? 0, range ? range.end - range.start + 1 : undefined, {
          conditions: { ifMatch: props.etag! },
          maxRetryRequests: 3,
        });
      } catch (e) {
        if (statusOf(e) === 412 || statusOf(e) === 404)
          throw new TerraHubError('TH_UNAVAILABLE', 'the object changed while it was read; retry');
        throw e;
      }
    };
    return {
      info,
      read: async (range) => collect((await fetch(range)).readableStreamBody),
      stream: (range) => {
        const out = new PassThrough();
        fetch(range).then(
          (r) => (r.readableStreamBody as Readable).pipe(out),
          (e: Error) => out.destroy(e),
        );
        return out;
      },
      close: async () => undefined,
    };
  }

  async readRange(bucket: string, key: string, offset: number, length: number): Promise<Buffer> {
    const o = await this.open(bucket, key);
    if (!o) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${key}" in bucket "${bucket}"`);
    const end = Math.min(o.info.size, offset + length) - 1;
    return end < offset ? Buffer.alloc(0) : o.read({ start: offset, end });
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    const r = await (await this.blob(objectName(bucket, key))).deleteIfExists();
    if (!r.succeeded) await this.requireBucket(bucket);
    this.lister.touched(bucket);
    return r.succeeded;
  }

  async list(bucket: string, opts: S.ListOptions): Promise<S.ObjectInfo[]> {
    await this.requireBucket(bucket);
    return this.lister.list(bucket, opts);
  }

  async bucketSize(bucket: string): Promise<number> {
    let total = 0;
    const c = await this.container();
    for await (const b of c.listBlobsFlat({ prefix: `${bucket}/` })) total += b.properties.contentLength ?? 0;
    return total;
  }

  createUpload(bucket: string, key: string, meta: S.ObjectMeta): Promise<string> {
    return this.uploads.create(bucket, key, meta);
  }
  getUpload(uploadId: string): Promise<S.UploadInfo | null> {
    return this.uploads.get(uploadId);
  }
  putPart(uploadId: string, partNumber: number, body: Readable, opts?: S.PutOptions): Promise<S.PartInfo> {
    return this.uploads.putPart(uploadId, partNumber, body, opts);
  }
  listParts(uploadId: string): Promise<S.PartInfo[]> {
    return this.uploads.listParts(uploadId);
  }
  completeUpload(
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    opts?: S.CompleteOptions,
  ) {
    return this.uploads.complete(uploadId, parts, opts);
  }
  abortUpload(uploadId: string): Promise<void> {
    return this.uploads.abort(uploadId);
  }
  async listUploads(bucket: string): Promise<S.UploadInfo[]> {
    await this.requireBucket(bucket);
    return this.uploads.list(bucket);
  }
  expireUploads(before: Date): Promise<number> {
    return this.uploads.expire(before);
  }

  /** Temporary blobs of bodies whose server died before it removed them. */
  async sweepOrphans(before: Date): Promise<number> {
    const c = await this.container();
    let n = 0;
    for await (const b of c.listBlobsFlat({ prefix: '_t/' })) {
      if (b.properties.lastModified < before) {
        await c.deleteBlob(b.name).catch(() => undefined);
        n++;
      }
    }
    return n;
  }

  async close(): Promise<void> {
    // The SDK keeps no connections that outlive a request.
  }
}
