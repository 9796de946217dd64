/**
 * Who is calling, resolved once per request for every service on the origin.
 *
 * `Authorization: Bearer <token>` and `Authorization: token <token>` (JupyterHub's form) are API tokens.
 * Other resolvers (the hub's session cookie) are added with `addPrincipalResolver`. A presented token that is
 * wrong, expired or revoked is a 401 at once; no credentials at all is the anonymous principal, and each
 * route decides with `requireScope` / `requireSelfOrAdmin` whether that is enough.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TerraHubError } from '../errors.ts';
import { ANONYMOUS, type Identity, type Principal, type Scope } from '../identity/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    /** Adds a way to recognise callers without a token header (such as a browser session). */
    addPrincipalResolver(fn: PrincipalResolver): void;
  }
}

export type PrincipalResolver = (req: FastifyRequest) => Principal | null | Promise<Principal | null>;

/** The token in an Authorization header, or null when there is none. Throws on a malformed header. */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(Bearer|token)\s+(\S+)\s*$/i.exec(header);
  if (!m) {
    // AWS-signed requests belong to the S3 listener; on the origin they are just not our scheme.
    throw new TerraHubError(
      'TH_UNAUTHORIZED',
      'Authorization header must be "Bearer <token>" or "token <token>"',
    );
  }
  return m[2]!;
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { identity: Identity }) => {
    const resolvers: PrincipalResolver[] = [];
    app.decorate('addPrincipalResolver', (fn: PrincipalResolver) => {
      resolvers.push(fn);
    });
    app.decorateRequest('principal', null as unknown as Principal);
    app.addHook('onRequest', async (req) => {
      req.principal = ANONYMOUS;
      const token = tokenFromHeader(req.headers.authorization);
      if (token !== null) {
        const p = opts.identity.tokens.authenticate(token);
        if (!p) throw new TerraHubError('TH_UNAUTHORIZED', 'the API token is wrong, expired or revoked');
        req.principal = p;
        return;
      }
      for (const resolve of resolvers) {
        const p = await resolve(req);
        if (p) {
          req.principal = p;
          return;
        }
      }
    });
  },
  { name: 'terrahub-auth' },
);

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.has('admin') || p.scopes.has(scope);
}

/** The calling user, or 401 for anonymous callers. */
export function requireUser(req: FastifyRequest): NonNullable<Principal['user']> {
  if (!req.principal.user) throw new TerraHubError('TH_UNAUTHORIZED');
  return req.principal.user;
}

/** 401 for anonymous callers, 403 when the caller's token lacks `scope`. */
export function requireScope(req: FastifyRequest, scope: Scope): NonNullable<Principal['user']> {
  const user = requireUser(req);
  if (!hasScope(req.principal, scope)) {
    throw new TerraHubError('TH_MISSING_SCOPE', `this request needs the "${scope}" scope`);
  }
  return user;
}

/**
 * Allows the user named `name` acting with `scope`, or an admin with the admin scope.
 * Others get 403 (their credentials are valid, just not for this user).
 */
export function requireSelfOrAdmin(req: FastifyRequest, name: string, scope: Scope = 'self'): void {
  const user = requireUser(req);
  if (req.principal.scopes.has('admin')) return;
  if (user.name !== name) {
    throw new TerraHubError('TH_FORBIDDEN', `you may not act on user "${name}"`);
  }
  requireScope(req, scope);
}

export function requireAdmin(req: FastifyRequest): void {
  requireUser(req);
  if (!req.principal.scopes.has('admin')) throw new TerraHubError('TH_FORBIDDEN', 'only admins may do this');
}
