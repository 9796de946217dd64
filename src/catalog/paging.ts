/**
 * Opaque keyset paging tokens: the sort values and (collection, id) of the last item of a page, bound to a
 * hash of the search they belong to, so that a token replayed with another search is refused (400) rather
 * than silently giving wrong pages. Pure.
 */
import { createHash } from 'node:crypto';
import { TerraHubError } from '../core/errors.ts';
import type { PageCursor } from './model.ts';

export function searchHash(search: unknown): string {
  return createHash('sha256').update(JSON.stringify(search)).digest('base64url').slice(0, 16);
}

export function encodeToken(c: PageCursor, hash: string): string {
  return Buffer.from(JSON.stringify({ v: c.values, c: c.collection, i: c.id, h: hash })).toString(
    'base64url',
  );
}

export function decodeToken(token: string, hash: string): PageCursor {
  let t: { v?: unknown; c?: unknown; i?: unknown; h?: unknown };
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof t;
  } catch {
    throw new TerraHubError('TH_STAC_BAD_TOKEN', 'the paging token is not one this server made');
  }
  if (!Array.isArray(t?.v) || typeof t.c !== 'string' || typeof t.i !== 'string')
    throw new TerraHubError('TH_STAC_BAD_TOKEN', 'the paging token is not one this server made');
  if (t.h !== hash)
    throw new TerraHubError('TH_STAC_BAD_TOKEN', 'the paging token belongs to a different search');
  return { values: t.v as unknown[], collection: t.c, id: t.i };
}
