/**
 * How the `azure` driver lays TerraHub's buckets out in one Azure Blob container, and how it keeps S3's
 * metadata and ETag on a blob.
 *
 *   <bucket>/<escaped key>   the object (S3 metadata and ETag in the blob's metadata, see metaToAzure)
 *   _b/<bucket>              an empty marker: the bucket exists
 *   _t/<random>              a body being received, copied into place once its checks passed
 *   _m/<uploadId>            a multipart upload: its bucket, key and metadata
 *   _u/<uploadId>            the blob its parts are staged on as blocks
 *   _p/<uploadId>/<part>     one uploaded part: its ETag, size and blocks
 *
 * Bucket names start with [a-z0-9], so `_` names never collide with an object.
 */
import type { BlobHTTPHeaders } from '@azure/storage-blob';
import type { ObjectMeta } from './object-store.ts';

/**
 * Blob names travel in URL paths, where `.` and `..` segments are resolved away (`b/../c` is `c`), and Azure
 * advises against names ending in `.`. Every `.` of a key is written `.!`: no segment is then a dot segment,
 * no name ends in `.`, and the mapping keeps byte order and prefixes (nothing else starts with `.`), so
 * listing by an escaped prefix lists the keys of that prefix in S3's order.
 */
export function escapeKey(key: string): string {
  return key.replaceAll('.', '.!');
}

export function unescapeKey(name: string): string {
  return name.replaceAll('.!', '.');
}

export const objectName = (bucket: string, key: string) => `${bucket}/${escapeKey(key)}`;
export const bucketMarker = (bucket: string) => `_b/${bucket}`;

/**
 * Block ids of one blob must all have the same length: `<tag>-<sequence>` with a fixed-width tag (a part
 * number and a random attempt id, so a re-uploaded part never reuses the blocks of the first attempt).
 */
export function blockId(tag: string, seq: number): string {
  return Buffer.from(`${tag}-${String(seq).padStart(6, '0')}`).toString('base64');
}

/** Azure metadata names must be C# identifiers, S3's may hold `-`: keep S3's whole, encoded in one value. */
export function metaToAzure(meta: ObjectMeta, etag: string): Record<string, string> {
  return { s3etag: etag, s3meta: Buffer.from(JSON.stringify(meta)).toString('base64url') };
}

export function metaFromAzure(m: Record<string, string> | undefined): { meta: ObjectMeta; etag: string } {
  const raw = m?.['s3meta'];
  const meta = raw ? (JSON.parse(Buffer.from(raw, 'base64url').toString()) as ObjectMeta) : { user: {} };
  return { meta, etag: m?.['s3etag'] ?? '""' };
}

/** The same metadata as Azure's own headers, for tools that read the container directly. */
export function httpHeaders(m: ObjectMeta): BlobHTTPHeaders {
  return {
    ...(m.contentType ? { blobContentType: m.contentType } : {}),
    ...(m.contentEncoding ? { blobContentEncoding: m.contentEncoding } : {}),
    ...(m.contentDisposition ? { blobContentDisposition: m.contentDisposition } : {}),
    ...(m.cacheControl ? { blobCacheControl: m.cacheControl } : {}),
    ...(m.contentLanguage ? { blobContentLanguage: m.contentLanguage } : {}),
  };
}

/** The HTTP status of an Azure SDK error (RestError), or 0. */
export function statusOf(e: unknown): number {
  return (e as { statusCode?: number }).statusCode ?? 0;
}

/** Compares keys as S3 orders them: by their UTF-8 bytes. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
