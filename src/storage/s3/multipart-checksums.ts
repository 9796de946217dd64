/**
 * Checksums of multipart uploads, as S3 computes them: an upload created with `x-amz-checksum-algorithm`
 * keeps each part's verified checksum, and its object gets the COMPOSITE checksum: the checksum, by the
 * same algorithm, of the parts' binary digests in order, with `-<number of parts>` appended
 * (`"<base64>-3"`). Full-object checksums of multipart uploads (CRC types, `x-amz-checksum-type:
 * FULL_OBJECT`) are accepted but not computed: such objects keep no checksum.
 */
import { TerraHubError } from '../../core/errors.ts';
import type { ObjectMeta } from '../store/object-store.ts';
import { isChecksumAlgorithm, newChecksum, type ChecksumAlgorithm } from './checksums.ts';

/** The XML element S3 names an algorithm's checksum with (`ChecksumSHA256`). */
export function checksumTag(alg: string): string {
  return `Checksum${alg.toUpperCase()}`;
}

/** The algorithm and type an upload was created with (headers of CreateMultipartUpload), or null. */
export function uploadChecksum(h: Record<string, string>): ObjectMeta['checksum'] | null {
  const named = (h['x-amz-checksum-algorithm'] ?? '').toLowerCase();
  if (!named) return null;
  if (!isChecksumAlgorithm(named)) {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', `unknown x-amz-checksum-algorithm "${named}"`);
  }
  const type = (h['x-amz-checksum-type'] ?? 'COMPOSITE').toUpperCase();
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') {
    throw new TerraHubError('TH_S3_INVALID_ARGUMENT', 'x-amz-checksum-type is COMPOSITE or FULL_OBJECT');
  }
  return { algorithm: named, value: '', type };
}

/** The composite checksum of parts' base64 digests (all present), e.g. `"<base64>-3"`. */
export function compositeChecksum(alg: ChecksumAlgorithm, partDigests: string[]): string {
  const sum = newChecksum(alg);
  for (const d of partDigests) sum.update(Buffer.from(d, 'base64'));
  return `${sum.digest()}-${partDigests.length}`;
}
