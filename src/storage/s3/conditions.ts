/**
 * S3's conditional requests: If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since on GET and
 * HEAD (412 or 304), and If-Match / If-None-Match on writes (PutObject, CompleteMultipartUpload).
 */
import { TerraHubError } from '../../core/errors.ts';
import type { ObjectInfo, WritePrecondition } from '../store/object-store.ts';

const bare = (etag: string) => etag.replace(/^W\//, '').replace(/"/g, '').trim();

export function etagMatches(header: string, etag: string): boolean {
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

/** S3's conditional GET/HEAD rules; throws 412 or 304. */
export function checkConditions(h: Record<string, string>, info: ObjectInfo): void {
  const modified = Math.floor(info.lastModified.getTime() / 1000) * 1000;
  const ifMatch = h['if-match'];
  const ifNoneMatch = h['if-none-match'];
  const since = (v: string | undefined) => (v ? Date.parse(v) : NaN);
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, info.etag)) throw new TerraHubError('TH_S3_PRECONDITION_FAILED');
  } else if (modified > since(h['if-unmodified-since'])) {
    throw new TerraHubError('TH_S3_PRECONDITION_FAILED');
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, info.etag)) throw new TerraHubError('TH_S3_NOT_MODIFIED');
  } else if (modified <= since(h['if-modified-since'])) {
    throw new TerraHubError('TH_S3_NOT_MODIFIED');
  }
}

/**
 * A conditional write's test, or null when the request has none. As S3: `If-None-Match: *` refuses to
 * replace any object and `If-None-Match: <etag>` that version (412); `If-Match` needs an object (404
 * NoSuchKey without one) whose ETag matches (412 otherwise; `*` matches any).
 */
export function writePrecondition(h: Record<string, string>, key: string): WritePrecondition | null {
  const ifMatch = h['if-match'];
  const ifNoneMatch = h['if-none-match'];
  if (ifMatch === undefined && ifNoneMatch === undefined) return null;
  return (current) => {
    if (ifMatch !== undefined) {
      if (!current) throw new TerraHubError('TH_S3_NO_SUCH_KEY', `no key "${key}" for If-Match`);
      if (!etagMatches(ifMatch, current.etag)) throw new TerraHubError('TH_S3_PRECONDITION_FAILED');
    }
    if (ifNoneMatch !== undefined && current && etagMatches(ifNoneMatch, current.etag)) {
      throw new TerraHubError('TH_S3_PRECONDITION_FAILED');
    }
  };
}
