/**
 * ListObjects (V1: marker/NextMarker, which GDAL uses) and ListObjectsV2 (continuation-token, start-after,
 * fetch-owner), with prefix, delimiter, CommonPrefixes, max-keys and encoding-type=url, in S3's order
 * (UTF-8 bytes). A common prefix is skipped over in the index rather than walked key by key.
 */
import { TerraHubError } from '../../core/errors.ts';
import type { ListedObject, ObjectStore } from '../store/object-store.ts';
import { bucketOf, requireRead, xmlReply, type S3Ctx } from './context.ts';
import { readAheadOf } from './list-ahead.ts';
import { contentsXml, prefixesXml } from './list-xml.ts';
import { uriEncode } from './sigv4.ts';
import { doc, el } from './xml.ts';

// Sorts after every valid UTF-8 continuation of a prefix: skips the rest of a common prefix.
const PAST = '\u{10FFFF}';

export interface Listing {
  contents: ListedObject[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned: where the next page starts. */
  last: string | null;
}

/** Where to resume after `marker`: past a whole common prefix when the marker is one. */
function resumeAfter(marker: string, prefix: string, delimiter: string): string {
  if (delimiter && marker.startsWith(prefix) && marker.slice(prefix.length).includes(delimiter)) {
    const rest = marker.slice(prefix.length);
    return prefix + rest.slice(0, rest.indexOf(delimiter) + delimiter.length) + PAST;
  }
  return marker;
}

export async function listKeys(
  store: ObjectStore,
  bucket: string,
  o: { prefix: string; delimiter: string; marker: string; maxKeys: number },
): Promise<Listing> {
  const out: Listing = { contents: [], prefixes: [], truncated: false, last: null };
  let after = o.marker ? resumeAfter(o.marker, o.prefix, o.delimiter) : '';
  let count = 0;
  for (;;) {
    const batch = await store.list(bucket, { prefix: o.prefix, after, limit: count >= o.maxKeys ? 1 : 1000 });
    if (batch.length === 0) return out;
    if (count >= o.maxKeys) {
      out.truncated = true;
      return out;
    }
    let skipped = false;
    for (const obj of batch) {
      const rest = obj.key.slice(o.prefix.length);
      const d = o.delimiter ? rest.indexOf(o.delimiter) : -1;
      if (count >= o.maxKeys) {
        out.truncated = true;
        return out;
      }
      if (d >= 0) {
        const cp = o.prefix + rest.slice(0, d + o.delimiter.length);
        out.prefixes.push(cp);
        out.last = cp;
        count++;
        after = cp + PAST;
        skipped = true;
        break;
      }
      out.contents.push(obj);
      out.last = obj.key;
      count++;
      after = obj.key;
    }
    if (!skipped && batch.length < 1000 && count < o.maxKeys) return out;
  }
}

function maxKeysOf(c: S3Ctx): number {
  const raw = c.r.query.get('max-keys');
  if (raw === undefined) return 1000;
  if (!/^\d+$/.test(raw))
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'max-keys must be a non-negative integer');
  return Math.min(1000, Number(raw));
}

export async function listObjects(c: S3Ctx) {
  const bucket = bucketOf(c);
  const b = requireRead(c, bucket, false);
  const q = c.r.query;
  const v2 = q.get('list-type') === '2';
  const encodingType = q.get('encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'encoding-type must be url');
  }
  const enc = (s: string) => (encodingType === 'url' ? uriEncode(s, true) : s);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = maxKeysOf(c);
  let marker = '';
  const token = q.get('continuation-token');
  if (v2 && token !== undefined) {
    marker = Buffer.from(token, 'base64url').toString('utf8');
  } else {
    marker = (v2 ? q.get('start-after') : q.get('marker')) ?? '';
  }
  const params = { prefix, delimiter, marker, maxKeys };
  const ahead = readAheadOf(c.svc.store);
  const listing = ahead.take(bucket, params) ?? (await listKeys(c.svc.store, bucket, params));
  ahead.after(bucket, params, listing);
  // max-keys=0 asks for no keys, not for a page: S3 answers it untruncated.
  if (maxKeys === 0) listing.truncated = false;
  const ownerName = b.ownerId === null ? 'terrahub' : String(b.ownerId);
  const owner = `<Owner>${el('ID', ownerName)}${el('DisplayName', ownerName)}</Owner>`;
  const withOwner = !v2 || q.get('fetch-owner') === 'true';
  // S3 url-encodes the Prefix element in V2 answers only (botocore decodes it there only).
  let body = el('Name', bucket) + el('Prefix', v2 ? enc(prefix) : prefix);
  if (v2) {
    if (token !== undefined) body += el('ContinuationToken', token);
    if (q.has('start-after')) body += el('StartAfter', enc(q.get('start-after')!));
    body += el('KeyCount', listing.contents.length + listing.prefixes.length);
    if (listing.truncated && listing.last !== null) {
      body += el('NextContinuationToken', Buffer.from(listing.last).toString('base64url'));
    }
  } else {
    body += el('Marker', enc(marker));
    if (listing.truncated && listing.last !== null) body += el('NextMarker', enc(listing.last));
  }
  body += el('MaxKeys', maxKeys);
  if (delimiter) body += el('Delimiter', enc(delimiter));
  if (encodingType) body += el('EncodingType', encodingType);
  body += el('IsTruncated', listing.truncated);
  body += contentsXml(listing.contents, enc, withOwner ? owner : '') + prefixesXml(listing.prefixes, enc);
  return xmlReply(c, doc('ListBucketResult', body));
}
