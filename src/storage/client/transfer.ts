/**
 * File transfers against any S3 endpoint with the AWS SDK (used by `terrahub storage cp`): parallel
 * multipart uploads above a threshold that resume an interrupted upload of the same key (parts already
 * there with the same MD5 are kept), and downloads that resume a partial file while the object is unchanged.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface S3Location {
  bucket: string;
  key: string;
}

/** `s3://bucket/key` (key may be empty) or null for a local path. */
export function parseS3Uri(s: string): S3Location | null {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(s);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}

export interface TransferOptions {
  partSize: number;
  concurrency: number;
  onProgress?: (bytes: number) => void;
  /** Content type and `x-amz-meta-*` of the object written by an upload. */
  meta?: { contentType?: string; user?: Record<string, string> };
}

async function md5OfRange(file: string, start: number, end: number): Promise<string> {
  const h = createHash('md5');
  for await (const c of createReadStream(file, { start, end })) h.update(c as Buffer);
  return `"${h.digest('hex')}"`;
}

/** Runs `jobs` with at most `n` at a time. */
async function pool<T>(n: number, jobs: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, jobs.length)) }, worker));
  return out;
}

async function existingUpload(client: S3Client, to: S3Location): Promise<string | null> {
  const r = await client.send(new ListMultipartUploadsCommand({ Bucket: to.bucket, Prefix: to.key }));
  const mine = (r.Uploads ?? []).filter((u) => u.Key === to.key && u.UploadId);
  return mine.length ? mine[mine.length - 1]!.UploadId! : null;
}

export async function uploadFile(
  client: S3Client,
  file: string,
  to: S3Location,
  o: TransferOptions,
): Promise<string> {
  const size = statSync(file).size;
  if (size <= o.partSize) {
    const r = await client.send(
      new PutObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        Body: createReadStream(file),
        ContentLength: size,
        ContentType: o.meta?.contentType,
        Metadata: o.meta?.user,
      }),
    );
    o.onProgress?.(size);
    return r.ETag ?? '';
  }
  let uploadId = await existingUpload(client, to).catch(() => null);
  const have = new Map<number, { etag: string; size: number }>();
  if (uploadId) {
    const parts = await client.send(
      new ListPartsCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId }),
    );
    for (const p of parts.Parts ?? []) have.set(p.PartNumber!, { etag: p.ETag!, size: p.Size! });
  } else {
    uploadId = (
      await client.send(
        new CreateMultipartUploadCommand({
          Bucket: to.bucket,
          Key: to.key,
          ContentType: o.meta?.contentType,
          Metadata: o.meta?.user,
        }),
      )
    ).UploadId!;
  }
  const count = Math.ceil(size / o.partSize);
  const jobs = Array.from({ length: count }, (_, i) => async () => {
    const n = i + 1;
    const start = i * o.partSize;
    const end = Math.min(size, start + o.partSize) - 1;
    const prior = have.get(n);
    if (prior && prior.size === end - start + 1 && prior.etag === (await md5OfRange(file, start, end))) {
      o.onProgress?.(prior.size);
      return { PartNumber: n, ETag: prior.etag };
    }
    const r = await client.send(
      new UploadPartCommand({
        Bucket: to.bucket,
        Key: to.key,
        UploadId: uploadId,
        PartNumber: n,
        Body: createReadStream(file, { start, end }),
        ContentLength: end - start + 1,
      }),
    );
    o.onProgress?.(end - start + 1);
    return { PartNumber: n, ETag: r.ETag! };
  });
  const parts = await pool(o.concurrency, jobs);
  const done = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: to.bucket,
      Key: to.key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return done.ETag ?? '';
}

/** Downloads to `file`, through `<file>.part` (resumed on the next run while the object's ETag is the same). */
export async function downloadFile(
  client: S3Client,
  from: S3Location,
  file: string,
  o: TransferOptions,
): Promise<number> {
  const partial = `${file}.part`;
  const etagFile = `${file}.part.etag`;
  let offset = 0;
  let ifMatch: string | undefined;
  if (existsSync(partial) && existsSync(etagFile)) {
    offset = statSync(partial).size;
    ifMatch = readFileSync(etagFile, 'utf8');
  }
  let r;
  try {
    r = await client.send(
      new GetObjectCommand({
        Bucket: from.bucket,
        Key: from.key,
        ...(offset > 0 ? { Range: `bytes=${offset}-`, IfMatch: ifMatch } : {}),
      }),
    );
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (offset > 0 && (status === 412 || status === 416)) {
      // Changed since (412) or already complete (416): start over or finish.
      if (status === 416) return finish(partial, etagFile, file, offset);
      await unlink(partial);
      await unlink(etagFile);
      return downloadFile(client, from, file, o);
    }
    throw e;
  }
  await writeFile(etagFile, r.ETag ?? '');
  o.onProgress?.(offset);
  const body = r.Body as Readable;
  body.on('data', (c: Buffer) => o.onProgress?.(c.length));
  await pipeline(body, createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' }));
  return finish(partial, etagFile, file, statSync(partial).size);
}

async function finish(partial: string, etagFile: string, file: string, size: number): Promise<number> {
  await rename(partial, file);
  await unlink(etagFile).catch(() => undefined);
  return size;
}
