/**
 * From a provider's claims to a TerraHub user: the user name (sanitized to TerraHub's rules), the provider
 * groups, and what the configuration makes of them (allowed to log in, admin or not, TerraHub groups).
 * Pure: no I/O, so every rule is tested directly.
 */
import { TerraHubError } from '../../core/errors.ts';
import { validateUserName } from '../../core/identity/index.ts';
import type { OidcSettings } from './oidc.config.ts';

export type Claims = Record<string, unknown>;

/**
 * A claim by name; a name that is not a claim itself is tried as a dotted path (`realm_access.roles` in
 * Keycloak), so that names with dots (`https://example.org/groups`) still work as they are.
 */
export function claimAt(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let at: unknown = claims;
  for (const part of name.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Claims)[part];
  }
  return at;
}

/**
 * A provider's user name made to fit TerraHub's user-name rules (1 to 64 of a-z 0-9 . _ -, starting with a
 * letter or digit): lowercased, accents dropped, anything else (`@`, spaces) becomes `-`. Returns null when
 * nothing usable is left. Distinct provider names can meet here ("Ann" and "ann"): the account links keep
 * them apart, since a name already linked to another login is refused.
 */
export function sanitizeUserName(raw: unknown): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const name = String(raw)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  if (!name) return null;
  try {
    return validateUserName(name);
  } catch {
    return null;
  }
}

/** The provider groups in a claim: a list of strings, or one string. Keycloak's `/parent/child` paths stay. */
export function providerGroups(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list.filter((g): g is string => typeof g === 'string' && g !== '');
}

/** Whether a configured group name matches one of the user's groups (a leading `/` is optional). */
function inAny(groups: string[], wanted: string[]): boolean {
  const have = new Set(groups.flatMap((g) => [g, g.replace(/^\/+/, '')]));
  return wanted.some((w) => have.has(w) || have.has(w.replace(/^\/+/, '')));
}

/** TerraHub group names made from provider groups; ones that cannot be made to fit are dropped. */
function terraHubGroups(groups: string[]): string[] {
  const out = groups.map((g) => sanitizeUserName(g.split('/').filter(Boolean).join('.')));
  return [...new Set(out.filter((g): g is string => g !== null))].sort();
}

export interface MappedUser {
  /** The TerraHub user name the provider's name becomes (null: none usable; only linked logins work). */
  name: string | null;
  /** The provider's raw value of the user-name claim, for messages. */
  rawName: unknown;
  /** Set when adminGroups is configured: admin exactly when in one of them. */
  admin: boolean | undefined;
  /** Set when manageGroups is on: the user's TerraHub groups. */
  groups: string[] | undefined;
}

/**
 * Applies the configuration to the claims. Throws TH_HUB_OIDC_NOT_ALLOWED when allowedGroups is set and
 * the user is in none of them nor of the admin groups.
 */
export function mapClaims(claims: Claims, s: OidcSettings): MappedUser {
  const groups = providerGroups(claimAt(claims, s.groupsClaim));
  if (s.allowedGroups.length && !inAny(groups, s.allowedGroups) && !inAny(groups, s.adminGroups)) {
    throw new TerraHubError(
      'TH_HUB_OIDC_NOT_ALLOWED',
      `Your account at ${s.displayName} is not in a group allowed on this hub (${s.allowedGroups.join(', ')}).`,
    );
  }
  const rawName = claimAt(claims, s.usernameClaim);
  return {
    name: sanitizeUserName(rawName),
    rawName,
    admin: s.adminGroups.length ? inAny(groups, s.adminGroups) : undefined,
    groups: s.manageGroups ? terraHubGroups(groups) : undefined,
  };
}
