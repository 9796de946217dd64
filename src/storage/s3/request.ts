/**
 * What an S3 request addresses and who sends it: bucket and key from the path (or a virtual host name),
 * sub-resource query parameters, and the caller from SigV4, a signing-service grant, or nobody.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TerraHubError } from '../../core/errors.ts';
import { ANONYMOUS, ownerScopes, type Identity, type Principal } from '../../core/identity/index.ts';
import { isSigV2, verifySigV2 } from './sigv2.ts';
import { isSigV4, verifySigV4, type SignableRequest, type VerifiedAuth } from './sigv4.ts';

export interface Caller {
  principal: Principal;
  auth: VerifiedAuth | null;
  /**
   * A read grant from the signing service instead of a user: `bucket` null for presigned URLs of the
   * service key (one object, checked by its signature), else a bucket token's bucket.
   */
  grant: { bucket: string | null } | null;
}

export interface S3Request {
  bucket: string | null;
  key: string | null;
  query: Map<string, string>;
  headers: Record<string, string>;
  signable: SignableRequest;
  /** `/bucket/key` as S3 names a resource in error bodies. */
  resource: string;
}

export const SAS_TOKEN_PARAMS = ['th-sas-bucket', 'th-sas-expiry', 'th-sas-sig'] as const;

/** Header values by lowercase name; repeated headers joined with ',' (as SigV4 canonicalises them). */
export function headerMap(raw: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const r = raw.rawHeaders;
  for (let i = 0; i + 1 < r.length; i += 2) {
    const k = r[i]!.toLowerCase();
    out[k] = out[k] === undefined ? r[i + 1]! : `${out[k]},${r[i + 1]!}`;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new TerraHubError(
      'TH_S3_INVALID_ARGUMENT',
      'the request path or query is not valid percent-encoding',
    );
  }
}

/** Query pairs decoded as S3 does (`+` is a space in the query string, but never in the path). */
function parseQuery(q: string): Array<[string, string]> {
  if (!q) return [];
  return q
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [decode(k.replace(/\+/g, ' ')), decode(v.replace(/\+/g, ' '))];
    });
}

export function parseS3Request(raw: IncomingMessage, virtualHostBase: string | null): S3Request {
  const url = raw.url ?? '/';
  const qi = url.indexOf('?');
  const rawPath = qi < 0 ? url : url.slice(0, qi);
  const pairs = parseQuery(qi < 0 ? '' : url.slice(qi + 1));
  const headers = headerMap(raw);
  const path = decode(rawPath);
  let bucket: string | null = null;
  let key: string | null = null;
  const host = (headers['host'] ?? '').replace(/:\d+$/, '').toLowerCase();
  if (virtualHostBase && host.endsWith(`.${virtualHostBase}`)) {
    bucket = host.slice(0, -virtualHostBase.length - 1);
    key = path.length > 1 ? path.slice(1) : null;
  } else {
    const rest = path.replace(/^\//, '');
    const slash = rest.indexOf('/');
    bucket = (slash < 0 ? rest : rest.slice(0, slash)) || null;
    key = slash < 0 || slash === rest.length - 1 ? null : rest.slice(slash + 1);
  }
  return {
    bucket,
    key,
    query: new Map(pairs),
    headers,
    signable: { method: raw.method ?? 'GET', rawPath, query: pairs, headers },
    resource: path,
  };
}

export function signBucketToken(secret: string, bucket: string, expiry: number): string {
  return createHmac('sha256', secret).update(`${bucket}\n${expiry}`).digest('hex');
}

/** The query string that lets anyone holding it read (GET, HEAD, list) one bucket until `expiry` (s). */
export function bucketToken(secret: string, bucket: string, expiry: number): string {
  const sig = signBucketToken(secret, bucket, expiry);
  return `th-sas-bucket=${encodeURIComponent(bucket)}&th-sas-expiry=${expiry}&th-sas-sig=${sig}`;
}

export function resolveCaller(
  r: S3Request,
  identity: Identity,
  sas: { accessKeyId: string; secret: () => string },
): Caller {
  if (isSigV4(r.signable)) {
    let userPrincipal: Principal | null = null;
    const auth = verifySigV4(r.signable, (ak) => {
      if (ak === sas.accessKeyId) return sas.secret();
      const found = identity.users.byAccessKey(ak);
      if (!found) return null;
      userPrincipal = { user: found.user, scopes: ownerScopes(found.user), tokenId: null };
      return found.secretAccessKey;
    });
    if (auth.accessKeyId === sas.accessKeyId) return { principal: ANONYMOUS, auth, grant: { bucket: null } };
    return { principal: userPrincipal!, auth, grant: null };
  }
  if (isSigV2(r.signable)) {
    let userPrincipal: Principal | null = null;
    const ak = verifySigV2(r.signable, (key) => {
      if (key === sas.accessKeyId) return sas.secret();
      const found = identity.users.byAccessKey(key);
      if (!found) return null;
      userPrincipal = { user: found.user, scopes: ownerScopes(found.user), tokenId: null };
      return found.secretAccessKey;
    });
    if (ak === sas.accessKeyId) return { principal: ANONYMOUS, auth: null, grant: { bucket: null } };
    return { principal: userPrincipal!, auth: null, grant: null };
  }
  if (r.headers['authorization']) {
    throw new TerraHubError(
      'TH_S3_AUTH_MALFORMED',
      'the Authorization header must be AWS Signature Version 4 (AWS4-HMAC-SHA256) or 2 (AWS key:signature)',
    );
  }
  const sig = r.query.get('th-sas-sig');
  if (sig !== undefined) {
    const bucket = r.query.get('th-sas-bucket') ?? '';
    const expiry = Number(r.query.get('th-sas-expiry'));
    const want = signBucketToken(sas.secret(), bucket, expiry);
    if (want.length !== sig.length || !timingSafeEqual(Buffer.from(want), Buffer.from(sig))) {
      throw new TerraHubError('TH_S3_SIGNATURE_MISMATCH', 'the storage token is not valid');
    }
    if (!Number.isFinite(expiry) || expiry * 1000 < Date.now()) throw new TerraHubError('TH_S3_EXPIRED');
    return { principal: ANONYMOUS, auth: null, grant: { bucket } };
  }
  return { principal: ANONYMOUS, auth: null, grant: null };
}
