/**
 * Who may read and write a bucket: admins everything; the owner (with the `storage` scope) their own
 * buckets; users and groups named in the bucket policy what it grants; anyone GET/HEAD/list on a
 * `public-read` bucket. One place, used by the S3 endpoint, the signing service and other areas.
 */
import type { Principal } from '../core/identity/index.ts';
import type { BucketRecord } from './buckets.ts';

function isAdmin(p: Principal): boolean {
  return p.scopes.has('admin');
}

function storageUser(p: Principal) {
  return p.user && (p.scopes.has('storage') || isAdmin(p)) ? p.user : null;
}

function named(entries: string[], user: { name: string; groups: string[] }): boolean {
  return entries.includes(`user:${user.name}`) || user.groups.some((g) => entries.includes(`group:${g}`));
}

export function mayRead(p: Principal, b: BucketRecord): boolean {
  if (isAdmin(p) || b.policy.access === 'public-read') return true;
  const u = storageUser(p);
  if (!u) return false;
  return b.ownerId === u.id || named(b.policy.read, u) || named(b.policy.readWrite, u);
}

export function mayWrite(p: Principal, b: BucketRecord): boolean {
  if (isAdmin(p)) return true;
  const u = storageUser(p);
  if (!u) return false;
  return b.ownerId === u.id || named(b.policy.readWrite, u);
}

/** Deleting a bucket and changing its policy: owner or admin only. */
export function mayAdminister(p: Principal, b: BucketRecord): boolean {
  if (isAdmin(p)) return true;
  const u = storageUser(p);
  return u !== null && b.ownerId === u.id;
}

/** Buckets a caller sees in ListBuckets: their own and those shared with them (all, for admins). */
export function mayList(p: Principal, b: BucketRecord): boolean {
  if (isAdmin(p)) return true;
  const u = storageUser(p);
  return u !== null && (b.ownerId === u.id || named(b.policy.read, u) || named(b.policy.readWrite, u));
}
