/**
 * GetObject and HeadObject with `?partNumber=N`: the bytes of one part of a multipart object, as S3 serves
 * them (206 with Content-Range, and `x-amz-mp-parts-count`). An object stored by a simple PUT is its one
 * part 1.
 */
import { TerraHubError } from '../../core/errors.ts';
import type { ByteRange, ObjectInfo } from '../store/object-store.ts';

export interface PartSelection {
  /** The part's bytes; null for the whole object (part 1 of a simple object). */
  range: ByteRange | null;
  /** How many parts the object has; null for a simple object (S3 then sends no count). */
  count: number | null;
}

/** The number of parts in a multipart ETag (`"<md5>-N"`), or null for a simple object's. */
export function partsCount(etag: string): number | null {
  const m = /-(\d+)"?$/.exec(etag);
  return m ? Number(m[1]) : null;
}

export function selectPart(partNumber: string, info: ObjectInfo, range: string | undefined): PartSelection {
  const n = Number(partNumber);
  if (!/^\d+$/.test(partNumber) || n < 1 || n > 10000) {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'partNumber must be an integer from 1 to 10000');
  }
  if (range !== undefined) {
    throw new TerraHubError(
      'TH_BAD_REQUEST',
      'Cannot specify both Range header and partNumber query parameter',
    );
  }
  const count = partsCount(info.etag);
  if (count === null) {
    if (n !== 1) throw new TerraHubError('TH_S3_INVALID_PART', `the object has one part, not ${n}`);
    return { range: null, count: null };
  }
  if (n > count) throw new TerraHubError('TH_S3_INVALID_PART', `the object has ${count} parts, not ${n}`);
  const sizes = info.partSizes ?? (count === 1 ? [info.size] : null);
  if (!sizes || sizes.length !== count) {
    throw new TerraHubError('TH_S3_NOT_IMPLEMENTED', 'this storage driver does not keep the sizes of parts');
  }
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  const size = sizes[n - 1]!;
  return { range: size === 0 ? null : { start, end: start + size - 1 }, count };
}
