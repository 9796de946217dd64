/** The `s3` driver's mapping of TerraHub's object metadata onto the backend's, and its byte meter. */
import { Transform } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import type { ObjectMeta } from './object-store.ts';

/** The backend's error name, for the few S3 errors the driver turns into its own. */
export function errName(e: unknown): string {
  return (e as { name?: string }).name ?? '';
}

export function metaOf(r: {
  ContentType?: string | undefined;
  ContentEncoding?: string | undefined;
  ContentDisposition?: string | undefined;
  CacheControl?: string | undefined;
  ContentLanguage?: string | undefined;
  Metadata?: Record<string, string> | undefined;
}): ObjectMeta {
  const m: ObjectMeta = { user: { ...(r.Metadata ?? {}) } };
  if (r.ContentType) m.contentType = r.ContentType;
  if (r.ContentEncoding) m.contentEncoding = r.ContentEncoding;
  if (r.ContentDisposition) m.contentDisposition = r.ContentDisposition;
  if (r.CacheControl) m.cacheControl = r.CacheControl;
  if (r.ContentLanguage) m.contentLanguage = r.ContentLanguage;
  return m;
}

export function metaParams(m: ObjectMeta) {
  return {
    ...(m.contentType ? { ContentType: m.contentType } : {}),
    ...(m.contentEncoding ? { ContentEncoding: m.contentEncoding } : {}),
    ...(m.contentDisposition ? { ContentDisposition: m.contentDisposition } : {}),
    ...(m.cacheControl ? { CacheControl: m.cacheControl } : {}),
    ...(m.contentLanguage ? { ContentLanguage: m.contentLanguage } : {}),
    Metadata: m.user,
  };
}

/** Counts bytes through, failing past `max`. */
export function meter(max: number): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      t.bytes += chunk.length;
      cb(t.bytes > max ? new TerraHubError('TH_S3_QUOTA_EXCEEDED') : null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}
