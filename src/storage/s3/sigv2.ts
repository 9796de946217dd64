/**
 * AWS Signature Version 2, verification only: boto3 still presigns URLs with it by default
 * (`?AWSAccessKeyId=&Signature=&Expires=`), and older tools send `Authorization: AWS key:signature`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TerraHubError } from '../../core/errors.ts';
import type { SignableRequest } from './sigv4.ts';

const MAX_SKEW_MS = 15 * 60 * 1000;
/** Query parameters that are part of the signed resource, as S3 defines them. */
const SUB_RESOURCES = new Set([
  'acl',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
]);

export function isSigV2(r: SignableRequest): boolean {
  return (
    /^AWS [^:\s]+:/.test(r.headers['authorization'] ?? '') || r.query.some(([k]) => k === 'AWSAccessKeyId')
  );
}

function canonicalAmzHeaders(h: Record<string, string>): string {
  return Object.keys(h)
    .filter((k) => k.startsWith('x-amz-'))
    .sort()
    .map((k) => `${k}:${h[k]!.trim()}\n`)
    .join('');
}

function subResources(query: Array<[string, string]>): string {
  const sub = query
    .filter(([k]) => SUB_RESOURCES.has(k))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  return sub.length ? `?${sub.join('&')}` : '';
}

/** Verifies a SigV2 request; returns the access key id. Throws S3's errors like verifySigV4. */
/**
 * The string to sign as UTF-8 and, when it holds header bytes of 0x80 and above (Node reads header values
 * as Latin-1), as those bytes exactly: botocore signs and sends header values as UTF-8 bytes.
 */
function signedForms(sts: string): Array<string | Buffer> {
  // eslint-disable-next-line no-control-regex -- the Latin-1 range is the point
  return /[\u0080-\u00ff]/.test(sts) && !/[^\u0000-\u00ff]/.test(sts)
    ? [sts, Buffer.from(sts, 'latin1')]
    : [sts];
}

export function verifySigV2(
  r: SignableRequest,
  lookup: (accessKeyId: string) => string | null,
  now = Date.now(),
): string {
  const q = new Map(r.query);
  let accessKeyId: string;
  let signature: string;
  let dateLine: string;
  if (q.has('AWSAccessKeyId')) {
    accessKeyId = q.get('AWSAccessKeyId')!;
    signature = q.get('Signature') ?? '';
    dateLine = q.get('Expires') ?? '';
    const expires = Number(dateLine);
    if (!Number.isInteger(expires))
      throw new TerraHubError('TH_S3_AUTH_MALFORMED', 'Expires must be a Unix time');
    if (expires * 1000 < now) throw new TerraHubError('TH_S3_EXPIRED');
  } else {
    const m = /^AWS ([^:\s]+):(\S+)$/.exec(r.headers['authorization']!.trim());
    if (!m)
      throw new TerraHubError('TH_S3_AUTH_MALFORMED', 'the Authorization header is not "AWS key:signature"');
    [accessKeyId, signature] = [m[1]!, m[2]!];
    const when = r.headers['x-amz-date'] ?? r.headers['date'] ?? '';
    if (!(Math.abs(Date.parse(when) - now) <= MAX_SKEW_MS)) throw new TerraHubError('TH_S3_TIME_SKEWED');
    dateLine = r.headers['x-amz-date'] ? '' : (r.headers['date'] ?? '');
  }
  const secret = lookup(accessKeyId);
  if (secret === null) throw new TerraHubError('TH_S3_INVALID_ACCESS_KEY');
  const head = [r.method, r.headers['content-md5'] ?? '', r.headers['content-type'] ?? '', dateLine].join(
    '\n',
  );
  const paths = [r.rawPath];
  try {
    const decoded = decodeURIComponent(r.rawPath);
    if (decoded !== r.rawPath) paths.push(decoded);
  } catch {
    // The raw form is the only candidate.
  }
  for (const path of paths) {
    const sts = `${head}\n${canonicalAmzHeaders(r.headers)}${path}${subResources(r.query)}`;
    for (const data of signedForms(sts)) {
      const want = createHmac('sha1', secret).update(data).digest('base64');
      if (want.length === signature.length && timingSafeEqual(Buffer.from(want), Buffer.from(signature))) {
        return accessKeyId;
      }
    }
  }
  throw new TerraHubError('TH_S3_SIGNATURE_MISMATCH');
}
