/**
 * What every S3 operation handler gets, and the checks they share: access (user or signing grant),
 * metadata from headers, and reading small XML request bodies.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TerraHubError } from '../../core/errors.ts';
import type { BucketRecord } from '../buckets.ts';
import type { StorageService } from '../service.ts';
import type { ObjectInfo, ObjectMeta } from '../store/object-store.ts';
import { decodeMetaValue, encodeMetaValue } from './meta-encoding.ts';
import type { Caller, S3Request } from './request.ts';

export interface S3Ctx {
  req: FastifyRequest;
  reply: FastifyReply;
  r: S3Request;
  caller: Caller;
  svc: StorageService;
}

export type S3Handler = (c: S3Ctx) => Promise<unknown>;

export function bucketOf(c: S3Ctx): string {
  if (!c.r.bucket) throw new TerraHubError('TH_S3_INVALID_BUCKET_NAME', 'no bucket in the request path');
  return c.r.bucket;
}

export function keyOf(c: S3Ctx): string {
  if (!c.r.key) throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'no object key in the request path');
  return c.r.key;
}

/**
 * Read access to a bucket: the signing service's grants (a presigned object URL, whose signature pins the
 * object; or a bucket token) or the caller's own rights.
 */
export function requireRead(c: S3Ctx, bucket: string, objectGet: boolean): BucketRecord {
  const g = c.caller.grant;
  if (g) {
    const b = c.svc.bucket(bucket);
    if ((g.bucket === null && objectGet) || g.bucket === bucket) return b;
    throw new TerraHubError('TH_S3_ACCESS_DENIED', 'the signed URL or token does not cover this request');
  }
  return c.svc.requireRead(c.caller.principal, bucket);
}

export function requireWrite(c: S3Ctx, bucket: string): BucketRecord {
  if (c.caller.grant) throw new TerraHubError('TH_S3_ACCESS_DENIED', 'signed URLs and tokens only read');
  return c.svc.requireWrite(c.caller.principal, bucket);
}

/** Object ACLs that say nothing beyond "the bucket's rules": accepted on object writes and ignored. */
const NEUTRAL_OBJECT_ACLS = new Set(['private', 'bucket-owner-full-control', 'bucket-owner-read']);

/**
 * Objects follow their bucket's policy: a canned ACL on an object write is accepted (and ignored) when the
 * bucket already grants as much (`public-read` in a public-read bucket, `private`, `bucket-owner-*`), and
 * refused with NotImplemented when it would grant more, rather than silently ignored, so that nobody
 * believes an object public that is not.
 */
export function checkObjectAcl(h: Record<string, string>, bucket: BucketRecord): void {
  const acl = h['x-amz-acl']?.trim();
  const grants = Object.keys(h).some((k) => k.startsWith('x-amz-grant-'));
  const granted =
    acl === undefined ||
    NEUTRAL_OBJECT_ACLS.has(acl) ||
    (acl === 'public-read' && bucket.policy.access === 'public-read');
  if (!granted || grants) {
    throw new TerraHubError(
      'TH_S3_NOT_IMPLEMENTED',
      `object ACLs are not supported (${acl ?? 'x-amz-grant-*'}): objects follow their bucket's policy; ` +
        'set it on the bucket (PUT ?acl with x-amz-acl: public-read, or ?policy)',
    );
  }
}

/** Object metadata from request headers, as S3 keeps it. */
export function metaFromHeaders(h: Record<string, string>): ObjectMeta {
  const user: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (k.startsWith('x-amz-meta-')) user[k.slice(11)] = decodeMetaValue(v);
  const enc = (h['content-encoding'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'aws-chunked')
    .join(', ');
  const meta: ObjectMeta = { user };
  if (h['content-type']) meta.contentType = h['content-type'];
  if (enc) meta.contentEncoding = enc;
  if (h['content-disposition']) meta.contentDisposition = h['content-disposition'];
  if (h['cache-control']) meta.cacheControl = h['cache-control'];
  if (h['content-language']) meta.contentLanguage = h['content-language'];
  if (h['expires']) meta.expires = h['expires'];
  return meta;
}

/** The headers S3 answers GET/HEAD with, including `response-*` query overrides of presigned URLs. */
export function objectHeaders(info: ObjectInfo, query: Map<string, string>): Record<string, string> {
  const m = info.meta;
  const h: Record<string, string> = {
    etag: info.etag,
    'last-modified': info.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    'content-type': query.get('response-content-type') ?? m.contentType ?? 'binary/octet-stream',
  };
  const opt: Array<[string, string | undefined, string]> = [
    ['content-encoding', m.contentEncoding, 'response-content-encoding'],
    ['content-disposition', m.contentDisposition, 'response-content-disposition'],
    ['cache-control', m.cacheControl, 'response-cache-control'],
    ['content-language', m.contentLanguage, 'response-content-language'],
    ['expires', m.expires, 'response-expires'],
  ];
  for (const [name, v, override] of opt) {
    const val = query.get(override) ?? v;
    if (val) h[name] = val;
  }
  for (const [k, v] of Object.entries(m.user)) h[`x-amz-meta-${k}`] = encodeMetaValue(v);
  return h;
}

const continued = new WeakSet<FastifyRequest>();

/** Whether the client announced `Expect: 100-continue` and waits for our go-ahead before sending its body. */
export function awaitsContinue(req: FastifyRequest): boolean {
  return !continued.has(req) && /^\s*100-continue\s*$/i.test(headerOf(req, 'expect'));
}

function headerOf(req: FastifyRequest, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
}

/**
 * Called by handlers as they start reading a body, once the request is authorized: a client that sent
 * `Expect: 100-continue` gets `100 Continue` now (the S3 listener turns off Node's own, which would come
 * before any check), so a refused upload is answered before its body is sent.
 */
export function acceptBody(c: S3Ctx): void {
  if (!awaitsContinue(c.req)) return;
  continued.add(c.req);
  if (!c.reply.raw.headersSent) c.reply.raw.writeContinue();
}

/** Reads a small request body (XML documents, policies) whole. */
export async function smallBody(c: S3Ctx, limit = 2 * 1024 * 1024): Promise<string> {
  acceptBody(c);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of c.req.raw) {
    n += (chunk as Buffer).length;
    if (n > limit) throw new TerraHubError('TH_S3_MALFORMED_XML', 'the request document is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function xmlReply(c: S3Ctx, body: string, status = 200): FastifyReply {
  return c.reply.status(status).type('application/xml').send(body);
}
