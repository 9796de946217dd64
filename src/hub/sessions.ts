/**
 * Browser sessions. A login sets two cookies holding two different random secrets of one session:
 * `terrahub-session` (Path=/hub/) for the hub's pages and API, and `terrahub-user` (Path=/user/) for the
 * proxy, which strips it before forwarding, so a user's Jupyter server never sees either. Only SHA-256
 * hashes are stored. Each session has a CSRF token that every state-changing form and cookie-authenticated
 * API call must carry.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../core/db.ts';
import { randomString } from '../core/identity/secrets.ts';
import type { User, UserStore } from '../core/identity/users.ts';

export const HUB_COOKIE = 'terrahub-session';
export const USER_COOKIE = 'terrahub-user';

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

export interface Session {
  user: User;
  csrf: string;
}

export interface NewSession {
  hubSecret: string;
  userSecret: string;
  csrf: string;
}

export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly users: UserStore,
    private readonly maxAgeMs: number,
  ) {}

  /** A new session; `idToken` is kept only to end the provider's session at logout. */
  create(user: User, idToken: string | null = null): NewSession {
    const s = { hubSecret: randomString(40), userSecret: randomString(40), csrf: randomString(32) };
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO hub_sessions (hub_hash, user_hash, user_id, csrf, created_at, expires_at, id_token)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        hash(s.hubSecret),
        hash(s.userSecret),
        user.id,
        s.csrf,
        new Date(now).toISOString(),
        new Date(now + this.maxAgeMs).toISOString(),
        idToken,
      );
    return s;
  }

  private find(column: 'hub_hash' | 'user_hash', secret: string | undefined): Session | null {
    if (!secret) return null;
    const r = this.db
      .prepare(`SELECT user_id, csrf, expires_at FROM hub_sessions WHERE ${column} = ?`)
      .get(hash(secret)) as { user_id: number; csrf: string; expires_at: string } | undefined;
    if (!r || Date.parse(r.expires_at) <= Date.now()) return null;
    const user = this.users.byId(r.user_id);
    return user ? { user, csrf: r.csrf } : null;
  }

  /** The session of a `terrahub-session` cookie value. */
  byHubSecret(secret: string | undefined): Session | null {
    return this.find('hub_hash', secret);
  }

  /** The session of a `terrahub-user` cookie value (the proxy's). */
  byUserSecret(secret: string | undefined): Session | null {
    return this.find('user_hash', secret);
  }

  /** Ends a session; returns the provider's ID token it kept, if any. */
  remove(hubSecret: string): string | null {
    const r = this.db
      .prepare('DELETE FROM hub_sessions WHERE hub_hash = ? RETURNING id_token')
      .get(hash(hubSecret)) as { id_token: string | null } | undefined;
    return r?.id_token ?? null;
  }

  removeExpired(): void {
    this.db.prepare('DELETE FROM hub_sessions WHERE expires_at <= ?').run(new Date().toISOString());
  }
}

/** Cookie values by name from a Cookie header (the first of duplicate names wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (k && !out.has(k)) out.set(k, part.slice(eq + 1).trim());
  }
  return out;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Secure when the site is served over https. */
export function cookie(
  name: string,
  value: string,
  opts: { path: string; secure: boolean; maxAgeS?: number },
): string {
  const parts = [`${name}=${value}`, `Path=${opts.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.secure) parts.push('Secure');
  if (opts.maxAgeS !== undefined) parts.push(`Max-Age=${opts.maxAgeS}`);
  return parts.join('; ');
}
