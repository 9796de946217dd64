/** S3 object operations: GetObject, HeadObject, PutObject, CopyObject, DeleteObject, DeleteObjects. */
import { TerraHubError } from '../../core/errors.ts';
import type { ByteRange } from '../store/object-store.ts';
import { decodeBody } from './body.ts';
import { checkConditions, etagMatches, writePrecondition } from './conditions.ts';
import { selectPart } from './object-parts.ts';
import { RangeBuffers } from './range-buffers.ts';
import {
  acceptBody,
  bucketOf,
  checkObjectAcl,
  keyOf,
  metaFromHeaders,
  objectHeaders,
  requireRead,
  requireWrite,
  smallBody,
  xmlReply,
  type S3Ctx,
} from './context.ts';
import { doc, el, parseDeleteObjects } from './xml.ts';

/** A single byte range from a Range header; null for none or one S3 ignores; 416 when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) throw new TerraHubError('TH_S3_INVALID_RANGE');
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size) throw new TerraHubError('TH_S3_INVALID_RANGE');
  return { start, end };
}

/** Ranges up to this size are read into memory and sent in one write; larger ones are streamed. */
const BUFFERED_RANGE = 4 * 1024 * 1024;
const rangeBuffers = new RangeBuffers();

export async function getObject(c: S3Ctx, head: boolean) {
  const bucket = bucketOf(c);
  const key = keyOf(c);
  requireRead(c, bucket, true);
  const obj = await c.svc.store.open(bucket, key);
  if (!obj) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${key}" in bucket "${bucket}"`);
  const { info } = obj;
  let range: ByteRange | null;
  let parts: number | null = null;
  try {
    checkConditions(c.r.headers, info);
    const partNumber = c.r.query.get('partNumber');
    if (partNumber !== undefined) {
      ({ range, count: parts } = selectPart(partNumber, info, c.r.headers['range']));
    } else {
      range = parseRange(c.r.headers['range'], info.size);
    }
  } catch (e) {
    await obj.close();
    if (e instanceof TerraHubError && e.code === 'TH_S3_INVALID_RANGE') {
      void c.reply.header('content-range', `bytes */${info.size}`);
    }
    // S3 names the version a 304 is about, so that caches can revalidate.
    if (e instanceof TerraHubError && e.code === 'TH_S3_NOT_MODIFIED') {
      void c.reply.header('etag', info.etag).header('last-modified', info.lastModified.toUTCString());
    }
    throw e;
  }
  const headers = objectHeaders(info, c.r.query);
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
  if (parts !== null) headers['x-amz-mp-parts-count'] = String(parts);
  // As S3: the stored checksum only when asked for, and only with the whole object.
  const sum = info.meta.checksum;
  if (sum && !range && /^enabled$/i.test(c.r.headers['x-amz-checksum-mode'] ?? '')) {
    headers[`x-amz-checksum-${sum.algorithm}`] = sum.value;
    headers['x-amz-checksum-type'] = sum.type;
  }
  const length = range ? range.end - range.start + 1 : info.size;
  headers['content-length'] = String(length);
  void c.reply.status(range ? 206 : 200).headers(headers);
  if (head || length === 0) {
    await obj.close();
    return c.reply.send(head ? undefined : '');
  }
  const whole = range ?? { start: 0, end: info.size - 1 };
  if (length <= BUFFERED_RANGE) {
    const buf = rangeBuffers.take(length);
    if (buf) c.reply.raw.once('finish', () => rangeBuffers.give(buf));
    return c.reply.send(await obj.read(whole, buf ?? undefined));
  }
  return c.reply.send(obj.stream(range ?? undefined));
}

export async function putObject(c: S3Ctx) {
  const bucket = bucketOf(c);
  const key = keyOf(c);
  if (c.r.headers['x-amz-copy-source']) return copyObject(c, bucket, key);
  checkObjectAcl(c.r.headers, requireWrite(c, bucket));
  // Checked before the body is read (a refused write costs no upload), and again as the write commits.
  const precondition = writePrecondition(c.r.headers, key);
  if (precondition) precondition(await c.svc.store.head(bucket, key));
  acceptBody(c);
  const body = decodeBody(c.req.raw, c.r.headers, c.caller.auth);
  const meta = metaFromHeaders(c.r.headers);
  const info = await c.svc.putObject(c.caller.principal, bucket, key, body.body, meta, {
    ...(body.declaredLength !== undefined ? { declaredLength: body.declaredLength } : {}),
    ...(precondition ? { precondition } : {}),
    check: () => body.check(),
    // Kept with the object, for GET/HEAD with x-amz-checksum-mode: ENABLED.
    checksum: () => {
      const sum = body.checksum();
      return sum && { ...sum, type: 'FULL_OBJECT' };
    },
  });
  const sum = body.checksumHeader();
  return c.reply
    .status(200)
    .headers({
      etag: info.etag,
      ...sum,
      ...(Object.keys(sum).length ? { 'x-amz-checksum-type': 'FULL_OBJECT' } : {}),
    })
    .send();
}

/** `x-amz-copy-source` as {bucket, key}: `/bucket/key` or `bucket/key`, URL-encoded. */
export function parseCopySource(raw: string): { bucket: string; key: string } {
  let s: string;
  try {
    s = decodeURIComponent(raw.split('?')[0]!).replace(/^\//, '');
  } catch {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'x-amz-copy-source is not valid percent-encoding');
  }
  const i = s.indexOf('/');
  if (i <= 0 || i === s.length - 1)
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'x-amz-copy-source must be bucket/key');
  return { bucket: s.slice(0, i), key: s.slice(i + 1) };
}

async function copyObject(c: S3Ctx, bucket: string, key: string) {
  const src = parseCopySource(c.r.headers['x-amz-copy-source']!);
  requireRead(c, src.bucket, false);
  checkObjectAcl(c.r.headers, requireWrite(c, bucket));
  const got = await c.svc.store.get(src.bucket, src.key);
  if (!got) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${src.key}" in bucket "${src.bucket}"`);
  const h = c.r.headers;
  const ifMatch = h['x-amz-copy-source-if-match'];
  if (ifMatch !== undefined && !etagMatches(ifMatch, got.info.etag)) {
    got.body.destroy();
    throw new TerraHubError('TH_S3_PRECONDITION_FAILED');
  }
  const replace = (h['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
  if (!replace && src.bucket === bucket && src.key === key) {
    got.body.destroy();
    // S3's code for this is InvalidRequest (TH_BAD_REQUEST's S3 form).
    throw new TerraHubError(
      'TH_BAD_REQUEST',
      'copying an object onto itself needs x-amz-metadata-directive: REPLACE',
    );
  }
  const meta = replace ? metaFromHeaders(h) : got.info.meta;
  const info = await c.svc
    .putObject(c.caller.principal, bucket, key, got.body, meta, { declaredLength: got.info.size })
    .catch((e: unknown) => {
      got.body.destroy(); // refused before it was read (quota): release the source's open file
      throw e;
    });
  return xmlReply(
    c,
    doc('CopyObjectResult', el('LastModified', info.lastModified.toISOString()) + el('ETag', info.etag)),
  );
}

export async function deleteObject(c: S3Ctx) {
  const bucket = bucketOf(c);
  requireWrite(c, bucket);
  await c.svc.deleteObject(c.caller.principal, bucket, keyOf(c));
  return c.reply.status(204).send();
}

export async function deleteObjects(c: S3Ctx) {
  const bucket = bucketOf(c);
  requireWrite(c, bucket);
  const { keys, quiet } = parseDeleteObjects(await smallBody(c));
  let out = '';
  for (const key of keys) {
    try {
      await c.svc.deleteObject(c.caller.principal, bucket, key);
      if (!quiet) out += `<Deleted>${el('Key', key)}</Deleted>`;
    } catch (e) {
      const err = e instanceof TerraHubError ? e : new TerraHubError('TH_INTERNAL');
      out += `<Error>${el('Key', key)}${el('Code', err.code === 'TH_S3_ACCESS_DENIED' ? 'AccessDenied' : 'InternalError')}${el('Message', err.message)}</Error>`;
    }
  }
  return xmlReply(c, doc('DeleteResult', out));
}
