/**
 * S3 multipart uploads on Azure block blobs. Each upload has its own staging blob (`_u/<id>`): a part is
 * streamed into blocks of it, tagged with the part number and a random attempt id, and recorded in
 * `_p/<id>/<part>` (ETag, size, tag, block count), so an uploaded-again part simply points at its new
 * blocks. Completing commits the named parts' blocks in order (Put Block List: nothing is copied), then the
 * committed blob is copied onto the object's name. The upload itself is `_m/<id>`, whose metadata holds its
 * bucket, key and object metadata.
 */
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import { stageBody } from './azure-store.blocks.ts';
import { blockId, httpHeaders, metaFromAzure, metaToAzure, statusOf } from './azure-store.names.ts';
import { completedMeta } from './object-store.ts';
import type * as S from './object-store.ts';

const MIN_PART = 5 * 1024 * 1024;
const UPLOAD_ID = /^[0-9a-f]{32}$/;

interface PartRecord extends S.PartInfo {
  tag: string;
  blocks: number;
}

export class AzureUploads {
  constructor(
    private readonly container: () => Promise<ContainerClient>,
    private readonly requireBucket: (bucket: string) => Promise<void>,
    private readonly publish: (
      tmp: BlockBlobClient,
      bucket: string,
      key: string,
      precondition?: S.WritePrecondition,
    ) => Promise<S.ObjectInfo>,
  ) {}

  private async blob(name: string): Promise<BlockBlobClient> {
    return (await this.container()).getBlockBlobClient(name);
  }

  async create(bucket: string, key: string, meta: S.ObjectMeta): Promise<string> {
    await this.requireBucket(bucket);
    const id = randomBytes(16).toString('hex');
    await (
      await this.blob(`_m/${id}`)
    ).upload('', 0, {
      metadata: { bucket, key: Buffer.from(key).toString('base64url'), ...metaToAzure(meta, '') },
    });
    return id;
  }

  private uploadOf(
    id: string,
    p: { metadata?: Record<string, string>; createdOn?: Date; lastModified?: Date },
  ) {
    const m = p.metadata ?? {};
    return {
      uploadId: id,
      bucket: m['bucket'] ?? '',
      key: Buffer.from(m['key'] ?? '', 'base64url').toString(),
      initiated: p.createdOn ?? p.lastModified ?? new Date(),
      meta: metaFromAzure(m).meta,
    };
  }

  async get(id: string): Promise<S.UploadInfo | null> {
    if (!UPLOAD_ID.test(id)) return null;
    try {
      return this.uploadOf(id, await (await this.blob(`_m/${id}`)).getProperties());
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  private async require(id: string): Promise<S.UploadInfo> {
    const u = await this.get(id);
    if (!u) throw new TerraHubError('TH_S3_NO_SUCH_UPLOAD');
    return u;
  }

  async putPart(
    id: string,
    partNumber: number,
    body: Readable,
    opts: S.PutOptions = {},
  ): Promise<S.PartInfo> {
    await this.require(id);
    const tag = `p${String(partNumber).padStart(5, '0')}.${randomBytes(4).toString('hex')}`;
    const staged = await stageBody(await this.blob(`_u/${id}`), body, tag, opts.maxBytes);
    await opts.check?.();
    const etag = `"${staged.md5.toString('hex')}"`;
    const rec = await this.blob(`_p/${id}/${String(partNumber).padStart(5, '0')}`);
    const r = await rec.upload('', 0, {
      metadata: { etag, size: String(staged.size), tag, blocks: String(staged.ids.length) },
    });
    return { partNumber, size: staged.size, etag, lastModified: r.lastModified ?? new Date() };
  }

  private async parts(id: string): Promise<PartRecord[]> {
    const out: PartRecord[] = [];
    const c = await this.container();
    for await (const b of c.listBlobsFlat({ prefix: `_p/${id}/`, includeMetadata: true })) {
      const m = b.metadata ?? {};
      out.push({
        partNumber: Number(b.name.slice(b.name.lastIndexOf('/') + 1)),
        size: Number(m['size'] ?? 0),
        etag: m['etag'] ?? '""',
        lastModified: b.properties.lastModified,
        tag: m['tag'] ?? '',
        blocks: Number(m['blocks'] ?? 0),
      });
    }
    return out.sort((a, b) => a.partNumber - b.partNumber);
  }

  async listParts(id: string): Promise<S.PartInfo[]> {
    await this.require(id);
    return (await this.parts(id)).map(({ partNumber, size, etag, lastModified }) => ({
      partNumber,
      size,
      etag,
      lastModified,
    }));
  }

  async complete(
    id: string,
    wanted: Array<{ partNumber: number; etag: string }>,
    opts: S.CompleteOptions = {},
  ): Promise<S.ObjectInfo> {
    const u = await this.require(id);
    for (let i = 1; i < wanted.length; i++) {
      if (wanted[i]!.partNumber <= wanted[i - 1]!.partNumber)
        throw new TerraHubError('TH_S3_INVALID_PART_ORDER');
    }
    const have = new Map((await this.parts(id)).map((p) => [p.partNumber, p]));
    const chosen = wanted.map((w) => {
      const p = have.get(w.partNumber);
      if (!p || p.etag !== w.etag) throw new TerraHubError('TH_S3_INVALID_PART', `part ${w.partNumber}`);
      return p;
    });
    if (chosen.slice(0, -1).some((p) => p.size < MIN_PART)) throw new TerraHubError('TH_S3_ENTITY_TOO_SMALL');
    const md5s = Buffer.concat(chosen.map((p) => Buffer.from(p.etag.slice(1, -1), 'hex')));
    const etag = `"${createHash('md5').update(md5s).digest('hex')}-${chosen.length}"`;
    const ids = chosen.flatMap((p) => Array.from({ length: p.blocks }, (_, i) => blockId(p.tag, i)));
    const staging = await this.blob(`_u/${id}`);
    const meta = completedMeta(u.meta, opts.checksum);
    await staging.commitBlockList(ids, {
      metadata: metaToAzure(meta, etag),
      blobHTTPHeaders: httpHeaders(meta),
    });
    const info = await this.publish(staging, u.bucket, u.key, opts.precondition);
    await this.remove(id);
    return info;
  }

  /** Drops an upload's staged blocks, part records and the upload itself. */
  private async remove(id: string): Promise<void> {
    const c = await this.container();
    const staging = c.getBlockBlobClient(`_u/${id}`);
    // Committing an empty list drops uncommitted blocks, which a delete alone would leave for Azure's GC.
    await staging.commitBlockList([]).catch(() => undefined);
    await staging.deleteIfExists();
    for await (const b of c.listBlobsFlat({ prefix: `_p/${id}/` }))
      await c.deleteBlob(b.name).catch(() => undefined);
    await c.getBlockBlobClient(`_m/${id}`).deleteIfExists();
  }

  async abort(id: string): Promise<void> {
    await this.require(id);
    await this.remove(id);
  }

  async list(bucket?: string): Promise<S.UploadInfo[]> {
    const out: S.UploadInfo[] = [];
    const c = await this.container();
    for await (const b of c.listBlobsFlat({ prefix: '_m/', includeMetadata: true })) {
      const u = this.uploadOf(b.name.slice(3), {
        ...b.properties,
        ...(b.metadata ? { metadata: b.metadata } : {}),
      });
      if (bucket === undefined || u.bucket === bucket) out.push(u);
    }
    return out;
  }

  async expire(before: Date): Promise<number> {
    const old = (await this.list()).filter((u) => u.initiated < before);
    for (const u of old) await this.remove(u.uploadId).catch(() => undefined);
    return old.length;
  }
}
