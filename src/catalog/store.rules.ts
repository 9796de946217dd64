/**
 * Rules every CatalogStore driver applies the same way, so that sqlite and postgres answer alike: the
 * ETag of a stored document, the checks of a write mode against what is stored, and the properties that
 * collection summaries leave out.
 */
import { createHash } from 'node:crypto';
import { TerraHubError } from '../core/errors.ts';
import type { WriteOptions } from './store.ts';

/** The ETag of a stored document: a hash of its JSON text exactly as stored. */
export function etagOf(content: string): string {
  return createHash('sha256').update(content).digest('base64url').slice(0, 22);
}

/**
 * Checks a write against the stored document's ETag (undefined when there is none): create refuses an
 * existing id (409), replace a missing one (404), and If-Match a changed document (412).
 */
export function checkWrite(
  kind: 'item' | 'collection',
  id: string,
  etag: string | undefined,
  opts: WriteOptions,
): void {
  if (etag !== undefined && opts.mode === 'create') {
    throw new TerraHubError(
      kind === 'item' ? 'TH_STAC_ITEM_EXISTS' : 'TH_STAC_COLLECTION_EXISTS',
      `${kind} "${id}" already exists`,
    );
  }
  if (etag === undefined && opts.mode === 'replace') {
    throw new TerraHubError(
      kind === 'item' ? 'TH_STAC_ITEM_NOT_FOUND' : 'TH_STAC_COLLECTION_NOT_FOUND',
      `${kind} "${id}" does not exist`,
    );
  }
  if (opts.ifMatch !== undefined && etag !== undefined && opts.ifMatch !== etag) {
    throw new TerraHubError('TH_STAC_ETAG_MISMATCH', `${kind} "${id}" has changed (ETag ${etag})`);
  }
}

/** Properties a collection summary leaves out: times and free text, which summarize nothing. */
export const SUMMARY_SKIP: ReadonlySet<string> = new Set([
  'datetime',
  'start_datetime',
  'end_datetime',
  'created',
  'updated',
  'title',
  'description',
]);
