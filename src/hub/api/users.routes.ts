/**
 * /hub/api/user and /hub/api/users[/{name}], shaped like JupyterHub's REST API.
 * Admin-only except reading yourself. Other areas add fields to the user model through `userModelExtras`
 * (storage usage, server status) so that this file does not import them.
 */
import type { FastifyInstance } from 'fastify';
import { requireAdmin, requireSelfOrAdmin, requireUser } from '../../core/http/auth.ts';
import { TerraHubError } from '../../core/errors.ts';
import type { Identity, User } from '../../core/identity/index.ts';
import type { Principal } from '../../core/identity/index.ts';

export type UserModelExtra = (user: User) => Record<string, unknown>;

export interface HubApiOptions {
  identity: Identity;
  /** Contributions to the user model from other areas, e.g. `{storage: {used_bytes, quota_bytes}}`. */
  userModelExtras: UserModelExtra[];
  /** The S3 endpoint URL users' tools should use (read per request: the port is known once bound). */
  s3EndpointUrl: () => string;
  /** Runs before a user is deleted: the hub stops the user's servers, which would otherwise run on. */
  beforeUserRemoved?: (user: User) => Promise<void>;
}

const userSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    admin: { type: 'boolean' },
    groups: { type: 'array', items: { type: 'string' } },
    created: { type: 'string' },
    last_activity: { type: ['string', 'null'] },
  },
  additionalProperties: true,
} as const;

const nameParams = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
} as const;

const userPatchBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    admin: { type: 'boolean' },
    groups: { type: 'array', items: { type: 'string' } },
    password: { type: 'string', minLength: 8 },
  },
  additionalProperties: false,
} as const;

export function userModel(user: User, extras: UserModelExtra[]): Record<string, unknown> {
  const base: Record<string, unknown> = {
    kind: 'user',
    name: user.name,
    admin: user.admin,
    groups: user.groups,
    created: user.created,
    last_activity: user.lastActivity,
  };
  for (const extra of extras) Object.assign(base, extra(user));
  return base;
}

export async function usersRoutes(app: FastifyInstance, opts: HubApiOptions): Promise<void> {
  const { users } = opts.identity;
  const model = (u: User) => userModel(u, opts.userModelExtras);
  const scopesOf = (p: Principal) => [...p.scopes].sort();

  app.get(
    '/user',
    { schema: { summary: 'The calling user, with the scopes of the credentials used', tags: ['users'] } },
    async (req) => {
      const user = requireUser(req);
      return { ...model(user), scopes: scopesOf(req.principal) };
    },
  );

  app.get(
    '/users',
    {
      schema: {
        summary: 'List users (admin)',
        tags: ['users'],
        response: { 200: { type: 'array', items: userSchema } },
      },
    },
    async (req) => {
      requireAdmin(req);
      return users.list().map(model);
    },
  );

  // JupyterHub's bulk form: POST /users {"usernames": [...], "admin": bool}
  app.post<{ Body: { usernames: string[]; admin?: boolean } }>(
    '/users',
    {
      schema: {
        summary: 'Create several users (admin)',
        tags: ['users'],
        body: {
          type: 'object',
          properties: {
            usernames: { type: 'array', items: { type: 'string' }, minItems: 1 },
            admin: { type: 'boolean' },
          },
          required: ['usernames'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      requireAdmin(req);
      const created = [];
      for (const name of req.body.usernames)
        created.push(await users.create({ name, admin: req.body.admin ?? false }));
      return reply.status(201).send(created.map(model));
    },
  );

  app.post<{
    Params: { name: string };
    Body: { admin?: boolean; groups?: string[]; password?: string } | null;
  }>(
    '/users/:name',
    {
      schema: {
        summary: 'Create a user (admin)',
        tags: ['users'],
        params: nameParams,
        body: { ...userPatchBody, properties: { ...userPatchBody.properties }, nullable: true },
      },
    },
    async (req, reply) => {
      requireAdmin(req);
      const body = req.body ?? {};
      const user = await users.create({
        name: req.params.name,
        admin: body.admin ?? false,
        groups: body.groups ?? [],
        ...(body.password ? { password: body.password } : {}),
      });
      return reply.status(201).send(model(user));
    },
  );

  app.get<{ Params: { name: string } }>(
    '/users/:name',
    { schema: { summary: 'Read a user (self or admin)', tags: ['users'], params: nameParams } },
    async (req) => {
      requireSelfOrAdmin(req, req.params.name);
      return model(users.get(req.params.name));
    },
  );

  app.patch<{
    Params: { name: string };
    Body: { name?: string; admin?: boolean; groups?: string[]; password?: string };
  }>(
    '/users/:name',
    {
      schema: { summary: 'Change a user (admin)', tags: ['users'], params: nameParams, body: userPatchBody },
    },
    async (req) => {
      requireAdmin(req);
      const { password, ...patch } = req.body;
      if (req.params.name === req.principal.user?.name && patch.admin === false) {
        throw new TerraHubError('TH_BAD_REQUEST', 'admins cannot remove their own admin flag');
      }
      const user = users.update(req.params.name, patch);
      if (password) await users.setPassword(user.name, password);
      return model(user);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/users/:name',
    { schema: { summary: 'Delete a user (admin)', tags: ['users'], params: nameParams } },
    async (req, reply) => {
      requireAdmin(req);
      if (req.params.name === req.principal.user?.name) {
        throw new TerraHubError('TH_BAD_REQUEST', 'admins cannot delete themselves');
      }
      await opts.beforeUserRemoved?.(users.get(req.params.name));
      users.remove(req.params.name);
      return reply.status(204).send();
    },
  );

  // GET reads the key pair, POST rotates it first; both answer in the shape `terrahub credentials` prints.
  const credentialsRoute = (method: 'GET' | 'POST', summary: string, rotate: boolean) =>
    app.route<{ Params: { name: string } }>({
      method,
      url: '/users/:name/credentials',
      schema: { summary, tags: ['credentials'], params: nameParams },
      handler: async (req) => {
        requireSelfOrAdmin(req, req.params.name, 'storage');
        const c = rotate ? users.rotateCredentials(req.params.name) : users.credentials(req.params.name);
        return {
          access_key_id: c.accessKeyId,
          secret_access_key: c.secretAccessKey,
          endpoint_url: opts.s3EndpointUrl(),
        };
      },
    });
  credentialsRoute('GET', "A user's S3 credentials (self or admin)", false);
  credentialsRoute('POST', "Rotate a user's S3 credentials (self or admin)", true);
}
