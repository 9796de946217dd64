/** /hub/api/users/{name}/tokens[/{id}]: API tokens of a user, for that user or an admin. */
import type { FastifyInstance } from 'fastify';
import { requireSelfOrAdmin } from '../../core/http/auth.ts';
import { TerraHubError } from '../../core/errors.ts';
import type { Identity } from '../../core/identity/index.ts';

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
      // A token made with a token cannot exceed the maker's own rights: ask for at most the caller's scopes.
      const callerScopes = [...req.principal.scopes];
      const requested = body.scopes?.length ? body.scopes : req.principal.tokenId ? callerScopes : undefined;
      for (const s of requested ?? []) {
        if (s !== 'inherit' && !req.principal.scopes.has(s as never) && !req.principal.scopes.has('admin')) {
          throw new TerraHubError('TH_MISSING_SCOPE', `your credentials do not have scope "${s}"`);
        }
      }
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
