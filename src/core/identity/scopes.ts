/**
 * Scopes: what a token may do. One list for every service. A token never has more rights than its owner:
 * its effective scopes are the ones it asked for, intersected with the owner's (checked on every request, so
 * that taking a user's admin flag away also takes it from their tokens).
 */
export const SCOPES = {
  self: 'Read and change your own user model, tokens and credentials.',
  'read:catalog': 'Read catalog collections and items you may see (public, yours, shared with you).',
  'write:catalog': 'Create, change and delete collections and items you own.',
  storage: 'Read and write objects in buckets you may use, and sign their URLs.',
  servers: 'Start, stop and use your own Jupyter servers.',
  batch: 'Submit and manage your own batch jobs.',
  admin: 'Everything, for every user. Only admins have it.',
} as const;

export type Scope = keyof typeof SCOPES;
/** What a token may ask for: named scopes, or `inherit` for all of its owner's. */
export type RequestedScope = Scope | 'inherit';

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

export function isScope(s: string): s is Scope {
  return Object.hasOwn(SCOPES, s);
}

/** The scopes a user holds by being that user. */
export function ownerScopes(user: { admin: boolean }): Set<Scope> {
  return new Set(ALL_SCOPES.filter((s) => s !== 'admin' || user.admin));
}

/** The scopes a token with `requested` scopes effectively has for `owner`. */
export function effectiveScopes(requested: readonly string[], owner: { admin: boolean }): Set<Scope> {
  const held = ownerScopes(owner);
  if (requested.includes('inherit')) return held;
  return new Set(requested.filter((s): s is Scope => isScope(s) && held.has(s)));
}
