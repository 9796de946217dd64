/** /hub/api/users/{name}/tokens[/{id}]: API tokens of a user, for that user or an admin. */
import type { FastifyInstance } from 'fastify';
import { requireSelfOrAdmin } from '../../core/http/auth.ts';
import { TerraHubError } from '../../core/errors.ts';
import {
  ownerScopes,
  type Identity,
  type Principal,
  type Scope,
  type User,
} from '../../core/identity/index.ts';
import { isScope } from '../../core/identity/scopes.ts';

const params = {
  type: 'object',
  properties: { name: { type: 'string' }, id: { type: 'string' } },
  required: ['name'],
} as const;

interface TokenBody {
  scopes?: string[];
  expires_in?: number;
  note?: string;
}

export async function tokensRoutes(app: FastifyInstance, opts: { identity: Identity }): Promise<void> {
  const { users, tokens } = opts.identity;

  app.get<{ Params: { name: string } }>(
    '/users/:name/tokens',
    { schema: { summary: "List a user's tokens (self or admin)", tags: ['tokens'], params } },
    async (req) => {
      requireSelfOrAdmin(req, req.params.name);
      return { api_tokens: tokens.list(users.get(req.params.name)) };
    },
  );

  app.post<{ Params: { name: string }; Body: TokenBody | null }>(
    '/users/:name/tokens',
    {
      schema: {
        summary: 'Create a token (self or admin); the token is only shown in this response',
        tags: ['tokens'],
        params,
        body: {
          type: 'object',
          nullable: true,
          properties: {
            scopes: { type: 'array', items: { type: 'string' } },
            expires_in: { type: 'number', minimum: 0 },
            note: { type: 'string', maxLength: 1000 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      requireSelfOrAdmin(req, req.params.name);
      const owner = users.get(req.params.name);
      const body = req.body ?? {};
      const requested = tokenScopesFor(req.principal, owner, req.body?.scopes);
      const { token, model } = tokens.create(owner, {
        scopes: requested,
        expiresIn: body.expires_in,
        note: body.note,
      });
      return reply.status(201).send({ ...model, token });
    },
  );

  app.get<{ Params: { name: string; id: string } }>(
    '/users/:name/tokens/:id',
    { schema: { summary: 'Read a token model (self or admin)', tags: ['tokens'], params } },
    async (req) => {
      requireSelfOrAdmin(req, req.params.name);
      return tokens.get(users.get(req.params.name), req.params.id);
    },
  );

  app.delete<{ Params: { name: string; id: string } }>(
    '/users/:name/tokens/:id',
    { schema: { summary: 'Revoke a token (self or admin)', tags: ['tokens'], params } },
    async (req, reply) => {
      requireSelfOrAdmin(req, req.params.name);
      tokens.revoke(users.get(req.params.name), req.params.id);
      return reply.status(204).send();
    },
  );
}

/**
 * The scopes a new token gets: what was asked for (default: all of the owner's), never more than the owner
 * holds (400) nor more than the credentials making it (403). A limited token asking for `inherit` gets the
 * owner's scopes that it holds itself.
 */
function tokenScopesFor(caller: Principal, owner: User, asked: string[] | undefined): string[] {
  const requested = asked?.length ? asked : ['inherit'];
  const held = ownerScopes(owner);
  for (const s of requested) {
    if (s === 'inherit') continue;
    if (!isScope(s)) throw new TerraHubError('TH_INVALID_SCOPE', `unknown scope "${s}"`);
    if (!held.has(s))
      throw new TerraHubError('TH_INVALID_SCOPE', `user "${owner.name}" does not have scope "${s}"`);
  }
  if (caller.scopes.has('admin')) return requested;
  for (const s of requested) {
    if (s !== 'inherit' && !caller.scopes.has(s as Scope)) {
      throw new TerraHubError('TH_MISSING_SCOPE', `your credentials do not have scope "${s}"`);
    }
  }
  if (requested.includes('inherit') && [...held].some((s) => !caller.scopes.has(s))) {
    return [...held].filter((s) => caller.scopes.has(s));
  }
  return requested;
}
