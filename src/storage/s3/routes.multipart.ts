/**
 * S3 multipart uploads: Create, UploadPart, UploadPartCopy, Complete (ETag `md5-of-part-md5s-N`), Abort,
 * ListParts, ListMultipartUploads. Parts count against the bucket owner's quota when written.
 */
import { TerraHubError } from '../../core/errors.ts';
import { validateKey } from '../service.ts';
import type { ByteRange, ObjectMeta, PartInfo, UploadInfo } from '../store/object-store.ts';
import { decodeBody } from './body.ts';
import { isChecksumAlgorithm } from './checksums.ts';
import { checksumTag, compositeChecksum, uploadChecksum } from './multipart-checksums.ts';
import { writePrecondition } from './conditions.ts';
import {
  acceptBody,
  bucketOf,
  checkObjectAcl,
  keyOf,
  metaFromHeaders,
  requireRead,
  requireWrite,
  smallBody,
  xmlReply,
  type S3Ctx,
} from './context.ts';
import { parseCopySource } from './routes.objects.ts';
import { doc, el, parseCompleteParts } from './xml.ts';

async function upload(c: S3Ctx, bucket: string, key: string): Promise<UploadInfo> {
  const id = c.r.query.get('uploadId') ?? '';
  const u = await c.svc.store.getUpload(id);
  if (!u || u.bucket !== bucket || u.key !== key) throw new TerraHubError('TH_S3_NO_SUCH_UPLOAD');
  return u;
}

export async function createUpload(c: S3Ctx) {
  const bucket = bucketOf(c);
  const key = validateKey(keyOf(c));
  checkObjectAcl(c.r.headers, requireWrite(c, bucket));
  const meta = metaFromHeaders(c.r.headers);
  // The upload's checksum algorithm rides in its metadata as a marker (no value) until Complete.
  const sum = uploadChecksum(c.r.headers);
  if (sum) meta.checksum = sum;
  const uploadId = await c.svc.store.createUpload(bucket, key, meta);
  if (sum) {
    void c.reply.headers({
      'x-amz-checksum-algorithm': sum.algorithm.toUpperCase(),
      'x-amz-checksum-type': sum.type,
    });
  }
  return xmlReply(
    c,
    doc('InitiateMultipartUploadResult', el('Bucket', bucket) + el('Key', key) + el('UploadId', uploadId)),
  );
}

function partNumber(c: S3Ctx): number {
  const n = Number(c.r.query.get('partNumber'));
  if (!Number.isInteger(n) || n < 1 || n > 10000) {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'partNumber must be an integer from 1 to 10000');
  }
  return n;
}

/** `x-amz-copy-source-range: bytes=a-b`, which (unlike a GET's Range) must lie within the source. */
function copySourceRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m)
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'x-amz-copy-source-range must be bytes=first-last');
  const [start, end] = [Number(m[1]), Number(m[2])];
  if (start > end || end >= size) {
    throw new TerraHubError(
      'TH_S3_INVALID_RANGE',
      `bytes ${start}-${end} are not within the source's ${size} bytes`,
    );
  }
  return { start, end };
}

export async function uploadPart(c: S3Ctx) {
  const bucket = bucketOf(c);
  const key = keyOf(c);
  const b = requireWrite(c, bucket);
  const u = await upload(c, bucket, key);
  const n = partNumber(c);
  const maxBytes = c.svc.quotaLeft(b);
  const source = c.r.headers['x-amz-copy-source'];
  if (source) {
    const src = parseCopySource(source);
    requireRead(c, src.bucket, false);
    const info = await c.svc.store.head(src.bucket, src.key);
    if (!info) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${src.key}" in bucket "${src.bucket}"`);
    const range = copySourceRange(c.r.headers['x-amz-copy-source-range'], info.size);
    const got = await c.svc.store.get(src.bucket, src.key, range);
    if (!got) throw new TerraHubError('TH_S3_NO_SUCH_KEY');
    const part = await c.svc.store.putPart(u.uploadId, n, got.body, { maxBytes }).catch((e: unknown) => {
      got.body.destroy(); // refused before it was read: release the source's open file
      throw e;
    });
    return xmlReply(
      c,
      doc('CopyPartResult', el('LastModified', part.lastModified.toISOString()) + el('ETag', part.etag)),
    );
  }
  acceptBody(c);
  const body = decodeBody(c.req.raw, c.r.headers, c.caller.auth);
  if (body.declaredLength !== undefined && body.declaredLength > maxBytes)
    throw new TerraHubError('TH_S3_QUOTA_EXCEEDED');
  const part = await c.svc.store.putPart(u.uploadId, n, body.body, {
    maxBytes,
    check: () => body.check(),
    // Kept for the upload's composite checksum when the part's is by the upload's algorithm.
    checksum: () => {
      const sum = body.checksum();
      return sum && sum.algorithm === u.meta.checksum?.algorithm ? sum.value : null;
    },
  });
  return c.reply
    .status(200)
    .headers({ etag: part.etag, ...body.checksumHeader() })
    .send();
}

/**
 * Uploads completed lately, by id: as on AWS, a retried Complete (its answer lost on the way) gets the same
 * answer again instead of NoSuchUpload. Bounded in time and count.
 */
const completed = new Map<
  string,
  { bucket: string; key: string; etag: string; checksum: ObjectMeta['checksum']; at: number }
>();
const COMPLETED_TTL = 15 * 60 * 1000;
const COMPLETED_MAX = 1000;

function completeResult(bucket: string, key: string, etag: string, sum: ObjectMeta['checksum']): string {
  const checksum = sum ? el(checksumTag(sum.algorithm), sum.value) + el('ChecksumType', sum.type) : '';
  return doc(
    'CompleteMultipartUploadResult',
    el('Location', `/${bucket}/${key}`) + el('Bucket', bucket) + el('Key', key) + el('ETag', etag) + checksum,
  );
}

/**
 * The object's composite checksum, checked against the one the client sent (header) and the parts' it
 * listed; null when the upload has none or its driver keeps no part checksums.
 */
function objectChecksum(
  c: S3Ctx,
  u: UploadInfo,
  chosen: PartInfo[],
  listed: Array<{ partNumber: number; checksum?: string | undefined }>,
): ObjectMeta['checksum'] | null {
  const marker = u.meta.checksum;
  if (!marker || !isChecksumAlgorithm(marker.algorithm)) return null;
  for (const w of listed) {
    const p = chosen.find((x) => x.partNumber === w.partNumber);
    if (w.checksum !== undefined && p?.checksum !== undefined && w.checksum !== p.checksum) {
      throw new TerraHubError(
        'TH_S3_INVALID_PART',
        `part ${w.partNumber}'s checksum differs from the stored one`,
      );
    }
  }
  // Full-object checksums of multipart uploads, and parts whose driver keeps no checksum: none to check.
  if (marker.type !== 'COMPOSITE' || chosen.some((p) => p.checksum === undefined)) return null;
  const sent = c.r.headers[`x-amz-checksum-${marker.algorithm}`];
  const value = compositeChecksum(
    marker.algorithm,
    chosen.map((p) => p.checksum!),
  );
  if (sent !== undefined && sent !== value) {
    throw new TerraHubError(
      'TH_S3_BAD_DIGEST',
      `The ${marker.algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
    );
  }
  return { algorithm: marker.algorithm, value, type: 'COMPOSITE' };
}

export async function completeUpload(c: S3Ctx) {
  const bucket = bucketOf(c);
  const key = keyOf(c);
  const b = requireWrite(c, bucket);
  const done = completed.get(c.r.query.get('uploadId') ?? '');
  if (done && done.bucket === bucket && done.key === key && Date.now() - done.at < COMPLETED_TTL) {
    return xmlReply(c, completeResult(bucket, key, done.etag, done.checksum));
  }
  const u = await upload(c, bucket, key);
  const precondition = writePrecondition(c.r.headers, key);
  const parts = parseCompleteParts(await smallBody(c));
  const stored = await c.svc.store.listParts(u.uploadId);
  const chosen = stored.filter((p) => parts.some((w) => w.partNumber === p.partNumber));
  const total = chosen.reduce((s, p) => s + p.size, 0);
  const checksum = objectChecksum(c, u, chosen, parts);
  const old = await c.svc.store.head(bucket, key);
  // Checked before the parts are joined, and again as the object commits.
  if (precondition) precondition(old);
  if (total > c.svc.quotaLeft(b) + (old?.size ?? 0)) throw new TerraHubError('TH_S3_QUOTA_EXCEEDED');
  const info = await c.svc.store.completeUpload(u.uploadId, parts, {
    ...(precondition ? { precondition } : {}),
    ...(checksum ? { checksum } : {}),
  });
  c.svc.accountWrite(bucket, info.size, old?.size ?? 0);
  if (completed.size >= COMPLETED_MAX) completed.delete(completed.keys().next().value!);
  completed.set(u.uploadId, {
    bucket,
    key,
    etag: info.etag,
    checksum: checksum ?? undefined,
    at: Date.now(),
  });
  return xmlReply(c, completeResult(bucket, key, info.etag, checksum ?? undefined));
}

export async function abortUpload(c: S3Ctx) {
  const bucket = bucketOf(c);
  const key = keyOf(c);
  requireWrite(c, bucket);
  const u = await upload(c, bucket, key);
  await c.svc.store.abortUpload(u.uploadId);
  return c.reply.status(204).send();
}

export async function listParts(c: S3Ctx) {
  const bucket = bucketOf(c);
  const key = keyOf(c);
  requireWrite(c, bucket);
  const u = await upload(c, bucket, key);
  const marker = Number(c.r.query.get('part-number-marker') ?? 0) || 0;
  const max = Math.min(1000, Number(c.r.query.get('max-parts') ?? 1000) || 1000);
  const all = (await c.svc.store.listParts(u.uploadId)).filter((p) => p.partNumber > marker);
  const page = all.slice(0, max);
  const truncated = all.length > max;
  let body = el('Bucket', bucket) + el('Key', key) + el('UploadId', u.uploadId);
  body += el('PartNumberMarker', marker) + el('MaxParts', max) + el('IsTruncated', truncated);
  if (truncated) body += el('NextPartNumberMarker', page[page.length - 1]!.partNumber);
  body += el('StorageClass', 'STANDARD');
  for (const p of page) {
    const sum = p.checksum && u.meta.checksum ? el(checksumTag(u.meta.checksum.algorithm), p.checksum) : '';
    body += `<Part>${el('PartNumber', p.partNumber)}${el('LastModified', p.lastModified.toISOString())}${el('ETag', p.etag)}${el('Size', p.size)}${sum}</Part>`;
  }
  return xmlReply(c, doc('ListPartsResult', body));
}

export async function listUploads(c: S3Ctx) {
  const bucket = bucketOf(c);
  requireWrite(c, bucket);
  const prefix = c.r.query.get('prefix') ?? '';
  const keyMarker = c.r.query.get('key-marker') ?? '';
  const max = Math.min(1000, Number(c.r.query.get('max-uploads') ?? 1000) || 1000);
  const all = (await c.svc.store.listUploads(bucket)).filter(
    (u) => u.key.startsWith(prefix) && u.key > keyMarker,
  );
  const page = all.slice(0, max);
  let body =
    el('Bucket', bucket) + el('KeyMarker', keyMarker) + el('UploadIdMarker', '') + el('Prefix', prefix);
  body += el('MaxUploads', max) + el('IsTruncated', all.length > max);
  if (all.length > max) body += el('NextKeyMarker', page[page.length - 1]!.key);
  for (const u of page) {
    body += `<Upload>${el('Key', u.key)}${el('UploadId', u.uploadId)}${el('StorageClass', 'STANDARD')}${el('Initiated', u.initiated.toISOString())}</Upload>`;
  }
  return xmlReply(c, doc('ListMultipartUploadsResult', body));
}
