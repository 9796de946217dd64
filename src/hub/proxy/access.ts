/**
 * Who may use `/user/{name}/`: the owner (browser session cookie `terrahub-user`, or an API token with the
 * `servers` scope), or an admin (admin scope). The decision is made here, before any byte reaches the
 * user's server.
 */
import type { IncomingMessage } from 'node:http';
import type { Identity, User } from '../../core/identity/index.ts';
import { parseCookies, USER_COOKIE, type Sessions } from '../sessions.ts';

export type Access =
  | { kind: 'allowed'; caller: User; csrf: string | null }
  | { kind: 'anonymous' }
  | { kind: 'bad-token' }
  | { kind: 'forbidden'; caller: User };

/** `/user/{name}/rest` -> name (or null when the path is not under /user/{name}). */
export function ownerOf(url: string): string | null {
  const m = /^\/user\/([^/?#]+)/.exec(url);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null; // a malformed escape names nobody
  }
}

/**
 * The path segment after `/user/{name}/`: the name of a named server when the user has one by that name,
 * else part of the default server's own URL space (`lab`, `api`, ...). Null when there is none.
 */
export function segmentAfterOwner(url: string): string | null {
  const m = /^\/user\/[^/?#]+\/([^/?#]+)/.exec(url);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

export function decideAccess(
  req: IncomingMessage,
  owner: string,
  deps: { identity: Identity; sessions: Sessions; serverSecret: string | null },
): Access {
  const session = deps.sessions.byUserSecret(parseCookies(req.headers.cookie).get(USER_COOKIE));
  let caller: User | null = session?.user ?? null;
  let admin = caller?.admin ?? false;
  let mayUseServers = true;
  if (!caller) {
    const m = /^(?:Bearer|token)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (m) {
      // JupyterLab itself sends the server's own token (it is in its page config): not a hub token.
      if (deps.serverSecret && m[1] === deps.serverSecret) return { kind: 'anonymous' };
      const p = deps.identity.tokens.authenticate(m[1]!);
      if (!p?.user) return { kind: 'bad-token' };
      caller = p.user;
      admin = p.scopes.has('admin');
      mayUseServers = p.scopes.has('servers') || admin;
    }
  }
  if (!caller) return { kind: 'anonymous' };
  if (admin || (caller.name === owner && mayUseServers)) {
    return { kind: 'allowed', caller, csrf: session?.csrf ?? null };
  }
  return { kind: 'forbidden', caller };
}
