/**
 * AWS Signature Version 4, as S3 uses it: verifying the Authorization header and presigned query
 * parameters, and making presigned URLs. Pure functions over a parsed request; no HTTP framework here.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TerraHubError } from '../../core/errors.ts';

export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const MAX_SKEW_MS = 15 * 60 * 1000;
export const EMPTY_SHA256 = createHash('sha256').digest('hex');

export interface SignableRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded). */
  rawPath: string;
  /** Decoded query parameters in the order sent. */
  query: Array<[string, string]>;
  /** Header values by lowercase name, repeated headers joined with ','. */
  headers: Record<string, string>;
}

/** What a verified signature establishes, and what chunk signatures of the body chain on. */
export interface VerifiedAuth {
  accessKeyId: string;
  /** x-amz-content-sha256 (header auth) or UNSIGNED-PAYLOAD (presigned). */
  payloadHash: string;
  signature: string;
  signingKey: Buffer;
  datetime: string;
  scope: string;
  presigned: boolean;
}

export function sha256hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ (and / when kept). */
export function uriEncode(s: string, keepSlash: boolean): string {
  const e = encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return keepSlash ? e.replace(/%2F/g, '/') : e;
}

export function canonicalQuery(query: Array<[string, string]>): string {
  return query
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const keyCache = new Map<string, Buffer>();
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}/${date}/${region}/${service}`;
  let k = keyCache.get(id);
  if (!k) {
    k = hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(id, k);
  }
  return k;
}

function canonicalRequest(
  r: SignableRequest,
  path: string,
  signed: string[],
  query: Array<[string, string]>,
  payload: string,
) {
  const headers = signed.map((h) => `${h}:${(r.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [r.method, path, canonicalQuery(query), headers, signed.join(';'), payload].join('\n');
}

/** The two spellings of the path a client may have signed: AWS's normal form, and the one it sent. */
function candidatePaths(rawPath: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'the request path is not valid percent-encoding');
  }
  const normal = uriEncode(decoded, true);
  return normal === rawPath ? [normal] : [normal, rawPath];
}

function signatureOf(key: Buffer, datetime: string, scope: string, creqHash: string): string {
  return hmac(key, ['AWS4-HMAC-SHA256', datetime, scope, creqHash].join('\n')).toString('hex');
}

/**
 * Hashes of the canonical request a client may have signed. Node decodes header values as Latin-1, one
 * character per byte, so the bytes as received are the string's Latin-1 encoding: that is what S3 hashes
 * (botocore sends and signs UTF-8 bytes). Some clients (Node's own HTTP client under the AWS SDK for
 * JavaScript) send a character under U+0100 as one byte yet sign its UTF-8 form: accepted too, since it
 * names the same header value.
 */
function candidateHashes(creq: string): string[] {
  const exact = sha256hex(Buffer.from(creq, 'latin1'));
  // eslint-disable-next-line no-control-regex -- ASCII is the common case: one hash
  return /^[\u0000-\u007f]*$/.test(creq) ? [exact] : [exact, sha256hex(creq)];
}

function parseCredential(cred: string) {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts[3] !== 's3' || !/^\d{8}$/.test(parts[1]!)) {
    throw new TerraHubError(
      'TH_S3_AUTH_MALFORMED',
      `the credential "${cred}" is not <key>/<date>/<region>/s3/aws4_request`,
    );
  }
  return { accessKeyId: parts[0]!, date: parts[1]!, region: parts[2]!, scope: parts.slice(1).join('/') };
}

function amzDateToMs(d: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(d);
  if (!m) throw new TerraHubError('TH_S3_AUTH_MALFORMED', `"${d}" is not an ISO 8601 basic date-time`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function sameSig(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isSigV4(r: SignableRequest): boolean {
  return (
    (r.headers['authorization'] ?? '').startsWith('AWS4-HMAC-SHA256') ||
    r.query.some(([k]) => k === 'X-Amz-Algorithm')
  );
}

/**
 * Verifies a SigV4 request against the secret `lookup` gives for its access key.
 * Throws S3's errors: InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed, AccessDenied (expired).
 */
export function verifySigV4(
  r: SignableRequest,
  lookup: (accessKeyId: string) => string | null,
  now = Date.now(),
): VerifiedAuth {
  const q = new Map(r.query);
  const presigned = q.has('X-Amz-Algorithm');
  let cred: string;
  let signedHeaders: string;
  let signature: string;
  let datetime: string;
  let payloadHash: string;
  let query = r.query;
  if (presigned) {
    if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256')
      throw new TerraHubError('TH_S3_AUTH_MALFORMED', 'X-Amz-Algorithm must be AWS4-HMAC-SHA256');
    cred = q.get('X-Amz-Credential') ?? '';
    signedHeaders = q.get('X-Amz-SignedHeaders') ?? '';
    signature = q.get('X-Amz-Signature') ?? '';
    datetime = q.get('X-Amz-Date') ?? '';
    const expires = Number(q.get('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
      throw new TerraHubError('TH_S3_ACCESS_DENIED', 'X-Amz-Expires must be between 1 and 604800 seconds');
    }
    const start = amzDateToMs(datetime);
    if (now > start + expires * 1000) throw new TerraHubError('TH_S3_EXPIRED');
    if (start - now > MAX_SKEW_MS) throw new TerraHubError('TH_S3_TIME_SKEWED');
    payloadHash = r.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD';
    query = r.query.filter(([k]) => k !== 'X-Amz-Signature');
  } else {
    const h = r.headers['authorization']!;
    const m =
      /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(
        h,
      );
    if (!m) throw new TerraHubError('TH_S3_AUTH_MALFORMED', 'the Authorization header is not a SigV4 header');
    [cred, signedHeaders, signature] = [m[1]!, m[2]!, m[3]!];
    datetime = r.headers['x-amz-date'] ?? '';
    if (!datetime && r.headers['date']) {
      datetime = new Date(r.headers['date']).toISOString().replace(/[-:]|\.\d{3}/g, '');
    }
    if (Math.abs(amzDateToMs(datetime) - now) > MAX_SKEW_MS) throw new TerraHubError('TH_S3_TIME_SKEWED');
    payloadHash = r.headers['x-amz-content-sha256'] ?? '';
    if (!payloadHash) throw new TerraHubError('TH_S3_AUTH_MALFORMED', 'x-amz-content-sha256 is required');
  }
  const c = parseCredential(cred);
  if (datetime.slice(0, 8) !== c.date)
    throw new TerraHubError('TH_S3_AUTH_MALFORMED', 'the credential date does not match the request date');
  const secret = lookup(c.accessKeyId);
  if (secret === null) throw new TerraHubError('TH_S3_INVALID_ACCESS_KEY');
  const signed = signedHeaders.split(';');
  if (!signed.includes('host'))
    throw new TerraHubError('TH_S3_AUTH_MALFORMED', 'the host header must be signed');
  const key = signingKey(secret, c.date, c.region, 's3');
  for (const path of candidatePaths(r.rawPath)) {
    const creq = canonicalRequest(r, path, signed, query, payloadHash);
    if (candidateHashes(creq).some((h) => sameSig(signatureOf(key, datetime, c.scope, h), signature))) {
      return {
        accessKeyId: c.accessKeyId,
        payloadHash,
        signature,
        signingKey: key,
        datetime,
        scope: c.scope,
        presigned,
      };
    }
  }
  throw new TerraHubError('TH_S3_SIGNATURE_MISMATCH');
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** A presigned GET URL for `endpoint/bucket/key`, valid `expiresSeconds` (at most 7 days). */
export function presignUrl(o: {
  endpoint: string;
  bucket: string;
  key: string;
  accessKeyId: string;
  secret: string;
  expiresSeconds: number;
  method?: string;
  now?: number;
  region?: string;
}): string {
  const url = new URL(o.endpoint);
  const region = o.region ?? 'us-east-1';
  const datetime = amzDate(o.now ?? Date.now());
  const date = datetime.slice(0, 8);
  const scope = `${date}/${region}/s3/aws4_request`;
  const path = `${url.pathname.replace(/\/$/, '')}/${o.bucket}/${uriEncode(o.key, true)}`;
  const query: Array<[string, string]> = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${o.accessKeyId}/${scope}`],
    ['X-Amz-Date', datetime],
    ['X-Amz-Expires', String(Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(o.expiresSeconds))))],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const r: SignableRequest = { method: o.method ?? 'GET', rawPath: path, query, headers: { host: url.host } };
  const creq = canonicalRequest(r, path, ['host'], query, 'UNSIGNED-PAYLOAD');
  const sts = ['AWS4-HMAC-SHA256', datetime, scope, sha256hex(creq)].join('\n');
  const sig = hmac(signingKey(o.secret, date, region, 's3'), sts).toString('hex');
  return `${url.origin}${path}?${canonicalQuery(query)}&X-Amz-Signature=${sig}`;
}
