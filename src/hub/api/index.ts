/** The hub's REST API under /hub/api: version, users, tokens, credentials, and its OpenAPI document. */
import type { FastifyInstance } from 'fastify';
import { openApiFor } from '../../core/http/openapi.ts';
import { VERSION } from '../../core/version.ts';
import { tokensRoutes } from './tokens.routes.ts';
import { usersRoutes, type HubApiOptions } from './users.routes.ts';

export async function hubApi(app: FastifyInstance, opts: HubApiOptions): Promise<void> {
  app.get('/', { schema: { summary: 'TerraHub version', tags: ['hub'] } }, async () => ({
    version: VERSION,
  }));
  app.get('/openapi.json', { schema: { hide: true } }, async () =>
    openApiFor(app, '/hub/api', { title: 'TerraHub Hub API', version: VERSION }),
  );
  const { identity, userModelExtras, s3EndpointUrl, beforeUserRemoved } = opts; // not `prefix`: applied already
  await app.register(usersRoutes, { identity, userModelExtras, s3EndpointUrl, beforeUserRemoved });
  await app.register(tokensRoutes, { identity });
}
