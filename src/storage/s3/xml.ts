/**
 * S3's XML: building response documents and error bodies, and reading the few request bodies S3 takes
 * (DeleteObjects, CompleteMultipartUpload). The request documents are flat and small, so a strict
 * tag reader is enough; no XML library is needed.
 */
import { ERROR_CODES, TerraHubError, type ErrorCode } from '../../core/errors.ts';

export const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

// Characters XML 1.0 cannot carry literally (C0 controls but tab, LF, CR) go out as numeric references,
// as S3 sends them.
/* eslint-disable no-control-regex -- matching control characters is the point here */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const SPECIAL = /[&<>"'\u0000-\u001f]/;
/* eslint-enable no-control-regex */

export function esc(s: string | number): string {
  const str = String(s);
  // Most values (sizes, dates, plain keys) need nothing: listing 1,000 keys should not walk every character.
  if (!SPECIAL.test(str)) return str;
  return str
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(CONTROL, (c) => `&#${c.charCodeAt(0)};`);
}

/** `<tag>value</tag>`, skipping undefined values. */
export function el(tag: string, value: string | number | boolean | undefined | null): string {
  return value === undefined || value === null ? '' : `<${tag}>${esc(String(value))}</${tag}>`;
}

export function doc(root: string, inner: string): string {
  return `${XML_HEADER}<${root} xmlns="${S3_NS}">${inner}</${root}>`;
}

/** S3's own error code names for TerraHub's codes. */
const S3_CODES: Partial<Record<ErrorCode, string>> = {
  TH_S3_NO_SUCH_BUCKET: 'NoSuchBucket',
  TH_S3_NO_SUCH_KEY: 'NoSuchKey',
  TH_S3_NO_SUCH_UPLOAD: 'NoSuchUpload',
  TH_S3_BUCKET_EXISTS: 'BucketAlreadyExists',
  TH_S3_BUCKET_OWNED: 'BucketAlreadyOwnedByYou',
  TH_S3_BUCKET_NOT_EMPTY: 'BucketNotEmpty',
  TH_S3_INVALID_BUCKET_NAME: 'InvalidBucketName',
  TH_S3_KEY_TOO_LONG: 'KeyTooLongError',
  TH_S3_INVALID_RANGE: 'InvalidRange',
  TH_S3_PRECONDITION_FAILED: 'PreconditionFailed',
  TH_S3_NOT_MODIFIED: 'NotModified',
  TH_S3_ACCESS_DENIED: 'AccessDenied',
  TH_S3_SIGNATURE_MISMATCH: 'SignatureDoesNotMatch',
  TH_S3_INVALID_ACCESS_KEY: 'InvalidAccessKeyId',
  TH_S3_TIME_SKEWED: 'RequestTimeTooSkewed',
  TH_S3_EXPIRED: 'AccessDenied',
  TH_S3_AUTH_MALFORMED: 'AuthorizationHeaderMalformed',
  TH_S3_CONTENT_SHA256_MISMATCH: 'XAmzContentSHA256Mismatch',
  TH_S3_BAD_DIGEST: 'BadDigest',
  TH_S3_INVALID_DIGEST: 'InvalidDigest',
  TH_S3_INVALID_PART: 'InvalidPart',
  TH_S3_INVALID_PART_ORDER: 'InvalidPartOrder',
  TH_S3_ENTITY_TOO_SMALL: 'EntityTooSmall',
  TH_S3_MALFORMED_XML: 'MalformedXML',
  TH_S3_INVALID_ARGUMENT: 'InvalidArgument',
  TH_S3_INCOMPLETE_BODY: 'IncompleteBody',
  TH_S3_NOT_IMPLEMENTED: 'NotImplemented',
  TH_S3_METHOD_NOT_ALLOWED: 'MethodNotAllowed',
  TH_S3_QUOTA_EXCEEDED: 'QuotaExceeded',
  TH_UNAUTHORIZED: 'AccessDenied',
  TH_FORBIDDEN: 'AccessDenied',
  TH_PAYLOAD_TOO_LARGE: 'EntityTooLarge',
  TH_INSUFFICIENT_STORAGE: 'InsufficientStorage',
  TH_UNAVAILABLE: 'ServiceUnavailable',
  TH_INTERNAL: 'InternalError',
};

export function s3Code(e: TerraHubError): string {
  return S3_CODES[e.code] ?? (e.status >= 500 ? 'InternalError' : 'InvalidRequest');
}

export function errorXml(e: TerraHubError, resource: string, requestId: string): string {
  const message = e.message || ERROR_CODES[e.code].message;
  return `${XML_HEADER}<Error>${el('Code', s3Code(e))}${el('Message', message)}${el('Resource', resource)}${el('RequestId', requestId)}</Error>`;
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, ent: string) => {
    if (ent[0] === '#')
      return String.fromCodePoint(ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[ent]!;
  });
}

/** The text of every `<tag>...</tag>` directly inside `xml` (no nesting of the same tag). */
export function children(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  for (const m of xml.matchAll(re)) out.push(m[1]!);
  return out;
}

export function text(xml: string, tag: string): string | undefined {
  const v = children(xml, tag)[0];
  return v === undefined ? undefined : unescapeXml(v);
}

export function parseDeleteObjects(xml: string): { keys: string[]; quiet: boolean } {
  if (!/<Delete[\s>]/.test(xml)) throw new TerraHubError('TH_S3_MALFORMED_XML');
  const keys = children(xml, 'Object').map((o) => {
    const k = text(o, 'Key');
    if (k === undefined) throw new TerraHubError('TH_S3_MALFORMED_XML', 'an <Object> has no <Key>');
    return k;
  });
  if (keys.length > 1000) throw new TerraHubError('TH_S3_MALFORMED_XML', 'at most 1000 keys per request');
  return { keys, quiet: text(xml, 'Quiet') === 'true' };
}

export function parseCompleteParts(
  xml: string,
): Array<{ partNumber: number; etag: string; checksum?: string | undefined }> {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) throw new TerraHubError('TH_S3_MALFORMED_XML');
  return children(xml, 'Part').map((p) => {
    const n = Number(text(p, 'PartNumber'));
    const etag = text(p, 'ETag');
    if (!Number.isInteger(n) || n < 1 || n > 10000 || etag === undefined) {
      throw new TerraHubError(
        'TH_S3_MALFORMED_XML',
        'each <Part> needs a <PartNumber> (1-10000) and an <ETag>',
      );
    }
    // At most one of ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256.
    const sum = /<Checksum(?:CRC32C?|CRC64NVME|SHA1|SHA256)>([^<]*)</.exec(p)?.[1];
    return { partNumber: n, etag, ...(sum !== undefined ? { checksum: sum } : {}) };
  });
}
