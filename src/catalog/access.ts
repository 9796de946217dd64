/**
 * Who may read and write a collection. Reading: everyone for public collections; for private ones the owner,
 * members of the collection's groups, and admins (a token needs `read:catalog`, else it sees public data
 * only). Writing: the `write:catalog` scope and ownership (admins may write all).
 */
import { TerraHubError } from '../core/errors.ts';
import type { Principal } from '../core/identity/index.ts';
import type { CollectionAccess } from './model.ts';

export function isAdmin(p: Principal): boolean {
  return p.user !== null && p.scopes.has('admin');
}

export function canRead(p: Principal, a: CollectionAccess): boolean {
  if (a.visibility === 'public') return true;
  const u = p.user;
  if (!u || !(p.scopes.has('read:catalog') || p.scopes.has('admin'))) return false;
  if (isAdmin(p) || a.owner === u.name) return true;
  return a.groups.some((g) => u.groups.includes(g));
}

/** Throws 401/403 unless the caller may write catalog data at all; returns the user's name. */
export function requireWriter(p: Principal): string {
  if (!p.user) throw new TerraHubError('TH_UNAUTHORIZED', 'writing to the catalog needs an API token');
  if (!p.scopes.has('write:catalog') && !p.scopes.has('admin'))
    throw new TerraHubError('TH_MISSING_SCOPE', 'this request needs the "write:catalog" scope');
  return p.user.name;
}

/** Throws unless the caller may change this collection and its items. */
export function requireCanWrite(p: Principal, id: string, a: CollectionAccess): void {
  const name = requireWriter(p);
  if (isAdmin(p) || a.owner === name) return;
  if (!canRead(p, a)) throw new TerraHubError('TH_STAC_COLLECTION_NOT_FOUND', `no collection "${id}"`);
  throw new TerraHubError('TH_FORBIDDEN', `only the owner of collection "${id}" (or an admin) may change it`);
}

/** The access a new collection gets: admins' collections are public, everyone else's private to them. */
export function defaultAccess(p: Principal, owner: string): CollectionAccess {
  return { owner, visibility: isAdmin(p) ? 'public' : 'private', groups: [] };
}

/** Reads the optional `terrahub:access` field of a written collection: {visibility, groups}. */
export function accessFromDocument(doc: Record<string, unknown>, base: CollectionAccess): CollectionAccess {
  const raw = doc['terrahub:access'];
  if (raw === undefined) return base;
  return parseAccess(raw, base);
}

export function parseAccess(raw: unknown, base: CollectionAccess): CollectionAccess {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new TerraHubError('TH_BAD_REQUEST', 'terrahub:access must be an object {visibility, groups}', {
      path: '$["terrahub:access"]',
    });
  const r = raw as { visibility?: unknown; groups?: unknown };
  const out = { ...base };
  if (r.visibility !== undefined) {
    if (r.visibility !== 'public' && r.visibility !== 'private')
      throw new TerraHubError('TH_BAD_REQUEST', 'visibility must be "public" or "private"', {
        path: '$["terrahub:access"].visibility',
      });
    out.visibility = r.visibility;
  }
  if (r.groups !== undefined) {
    if (!Array.isArray(r.groups) || !r.groups.every((g) => typeof g === 'string'))
      throw new TerraHubError('TH_BAD_REQUEST', 'groups must be a list of group names', {
        path: '$["terrahub:access"].groups',
      });
    out.groups = [...new Set(r.groups)].sort();
  }
  return out;
}
