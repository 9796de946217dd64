/**
 * API tokens: stored only as SHA-256 hashes, with scopes, an optional expiry and a note. The plain token is
 * shown once, when it is made.
 */
import type { Db } from '../db.ts';
import { TerraHubError } from '../errors.ts';
import { effectiveScopes, isScope, ownerScopes, type RequestedScope, type Scope } from './scopes.ts';
import { hashToken, newApiToken, randomString } from './secrets.ts';
import type { User, UserStore } from './users.ts';

export interface TokenModel {
  id: string;
  user: string;
  /** What the token asked for (`inherit` = all of its owner's scopes). */
  scopes: RequestedScope[];
  note: string;
  created: string;
  expires_at: string | null;
  last_activity: string | null;
  /** The first characters of the token, to recognise it in a list. */
  prefix: string;
}

interface TokenRow {
  id: string;
  user_id: number;
  hash: string;
  prefix: string;
  scopes: string;
  note: string;
  created_at: string;
  expires_at: string | null;
  last_used: string | null;
}

/** Who is calling: a user with effective scopes, or anonymous. */
export interface Principal {
  user: User | null;
  scopes: Set<Scope>;
  /** The token used, if any (null for sessions and anonymous callers). */
  tokenId: string | null;
}

export const ANONYMOUS: Principal = Object.freeze({ user: null, scopes: new Set<Scope>(), tokenId: null });

export interface NewToken {
  scopes?: string[] | undefined;
  /** Lifetime in seconds; omitted or 0 means no expiry (unless auth.tokenMaxAge limits it). */
  expiresIn?: number | undefined;
  note?: string | undefined;
  /** Use this exact token (the admin bootstrap token); otherwise a random one is made. */
  token?: string | undefined;
}

export class TokenStore {
  constructor(
    private readonly db: Db,
    private readonly users: UserStore,
    private readonly maxAgeMs: number,
  ) {}

  create(owner: User, input: NewToken): { token: string; model: TokenModel } {
    const requested = input.scopes?.length ? input.scopes : ['inherit'];
    const held = ownerScopes(owner);
    for (const s of requested) {
      if (s !== 'inherit' && !isScope(s)) throw new TerraHubError('TH_INVALID_SCOPE', `unknown scope "${s}"`);
      if (s !== 'inherit' && !held.has(s)) {
        throw new TerraHubError('TH_INVALID_SCOPE', `user "${owner.name}" does not have scope "${s}"`);
      }
    }
    let expiresIn = input.expiresIn ?? 0;
    if (!Number.isFinite(expiresIn) || expiresIn < 0) {
      throw new TerraHubError('TH_BAD_REQUEST', 'expires_in must be a number of seconds (0 for none)');
    }
    if (this.maxAgeMs > 0 && (expiresIn === 0 || expiresIn * 1000 > this.maxAgeMs))
      expiresIn = this.maxAgeMs / 1000;
    const token = input.token ?? newApiToken();
    const id = 't' + randomString(11).toLowerCase();
    const created = new Date();
    const expires = expiresIn > 0 ? new Date(created.getTime() + expiresIn * 1000).toISOString() : null;
    this.db
      .prepare(
        `INSERT INTO tokens (id, user_id, hash, prefix, scopes, note, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        owner.id,
        hashToken(token),
        token.slice(0, 7),
        JSON.stringify(requested),
        input.note ?? '',
        created.toISOString(),
        expires,
      );
    return { token, model: this.get(owner, id) };
  }

  list(owner: User): TokenModel[] {
    const rows = this.db
      .prepare('SELECT * FROM tokens WHERE user_id = ? ORDER BY created_at')
      .all(owner.id) as TokenRow[];
    return rows.map((r) => toModel(r, owner.name));
  }

  get(owner: User, id: string): TokenModel {
    const r = this.db.prepare('SELECT * FROM tokens WHERE id = ? AND user_id = ?').get(id, owner.id) as
      TokenRow | undefined;
    if (!r) throw new TerraHubError('TH_TOKEN_NOT_FOUND', `user "${owner.name}" has no token "${id}"`);
    return toModel(r, owner.name);
  }

  revoke(owner: User, id: string): void {
    const res = this.db.prepare('DELETE FROM tokens WHERE id = ? AND user_id = ?').run(id, owner.id);
    if (res.changes === 0)
      throw new TerraHubError('TH_TOKEN_NOT_FOUND', `user "${owner.name}" has no token "${id}"`);
  }

  /** The principal for a presented token, or null when it is unknown, expired or revoked. */
  authenticate(token: string): Principal | null {
    const r = this.db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hashToken(token)) as
      TokenRow | undefined;
    if (!r) return null;
    if (r.expires_at && Date.parse(r.expires_at) <= Date.now()) return null;
    const user = this.users.byId(r.user_id);
    if (!user) return null;
    this.noteUse(r.id);
    return { user, scopes: effectiveScopes(JSON.parse(r.scopes) as string[], user), tokenId: r.id };
  }

  // last_used is written at most once a minute per token, so a busy client does not write on every request.
  private lastWrite = new Map<string, number>();
  private noteUse(id: string): void {
    const t = Date.now();
    if ((this.lastWrite.get(id) ?? 0) > t - 60_000) return;
    this.lastWrite.set(id, t);
    this.db.prepare('UPDATE tokens SET last_used = ? WHERE id = ?').run(new Date(t).toISOString(), id);
  }
}

function toModel(r: TokenRow, user: string): TokenModel {
  return {
    id: r.id,
    user,
    scopes: JSON.parse(r.scopes) as RequestedScope[],
    note: r.note,
    created: r.created_at,
    expires_at: r.expires_at,
    last_activity: r.last_used,
    prefix: r.prefix,
  };
}
