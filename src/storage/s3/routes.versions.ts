/**
 * ListObjectVersions for TerraHub's unversioned buckets, answered as S3 answers it for a bucket that never
 * had versioning: every object is its one, latest version, with the version id `null`. Tools that empty a
 * bucket by its versions (s3-tests, `aws s3 rb --force` on some versions, rclone's cleanup) then work.
 */
import { TerraHubError } from '../../core/errors.ts';
import { bucketOf, requireRead, xmlReply, type S3Ctx } from './context.ts';
import { prefixesXml, versionsXml } from './list-xml.ts';
import { listKeys } from './routes.list.ts';
import { uriEncode } from './sigv4.ts';
import { doc, el } from './xml.ts';

export async function listVersions(c: S3Ctx) {
  const bucket = bucketOf(c);
  const b = requireRead(c, bucket, false);
  const q = c.r.query;
  const encodingType = q.get('encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'encoding-type must be url');
  }
  const rawMax = q.get('max-keys') ?? '1000';
  if (!/^\d+$/.test(rawMax)) {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'max-keys must be a non-negative integer');
  }
  const enc = (s: string) => (encodingType === 'url' ? uriEncode(s, true) : s);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const maxKeys = Math.min(1000, Number(rawMax));
  const listing = await listKeys(c.svc.store, bucket, { prefix, delimiter, marker: keyMarker, maxKeys });
  const ownerName = b.ownerId === null ? 'terrahub' : String(b.ownerId);
  let body =
    el('Name', bucket) +
    el('Prefix', enc(prefix)) +
    el('KeyMarker', enc(keyMarker)) +
    el('VersionIdMarker', q.get('version-id-marker') ?? '') +
    el('MaxKeys', maxKeys) +
    (delimiter ? el('Delimiter', enc(delimiter)) : '') +
    (encodingType ? el('EncodingType', encodingType) : '') +
    el('IsTruncated', listing.truncated);
  if (listing.truncated && listing.last !== null) {
    body += el('NextKeyMarker', enc(listing.last)) + el('NextVersionIdMarker', 'null');
  }
  const owner = `<Owner>${el('ID', ownerName)}${el('DisplayName', ownerName)}</Owner>`;
  body += versionsXml(listing.contents, enc, owner) + prefixesXml(listing.prefixes, enc);
  return xmlReply(c, doc('ListVersionsResult', body));
}
