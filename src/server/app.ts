/**
 * The composition root: configuration -> services -> HTTP apps. The main origin serves the hub, the STAC
 * API, the data API and the signing service; the S3 endpoint has a listener of its own. Plugins are
 * registered in the order below, which is the order their hooks run.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import swagger from '@fastify/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authPlugin } from '../core/http/auth.ts';
import { jsonErrorHandler, jsonNotFoundHandler } from '../core/http/errors.ts';
import { metricsPlugin } from '../core/http/metrics.ts';
import { hubApi } from '../hub/api/index.ts';
import { hubHttp } from '../hub/http.ts';
import { oidcLogin } from '../hub/auth/index.ts';
import type { UserModelExtra } from '../hub/api/users.routes.ts';
import { s3App } from '../storage/s3/app.ts';
import { sasRoutes } from '../storage/sas.routes.ts';
import { registerStacApi } from '../catalog/index.ts';
import { dataApi } from '../tiler/index.ts';
import type { Services } from './services.ts';

export interface Listener {
  name: string;
  app: FastifyInstance;
  host: string;
  port: number;
}

export interface HttpApps {
  origin: FastifyInstance;
  /** Every listener to start: the origin first, then the S3 endpoint and any others. */
  listeners: Listener[];
}

export function newFastify(s: Services): FastifyInstance {
  // The pino instance is shared; Fastify's logger type parameter is pinned to its base logger type.
  return Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: s.log,
    bodyLimit: s.config.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // Keep-alive sockets are closed when idle during shutdown; in-flight requests finish.
    forceCloseConnections: 'idle',
    // Users' object keys and STAC ids may be long; the default would cut them.
    routerOptions: { maxParamLength: 2048 },
    // Unknown fields are an error (schemas say additionalProperties: false), not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
}

export async function buildHttp(s: Services): Promise<HttpApps> {
  const origin = newFastify(s);

  // 1. Cross-cutting, for every route on the origin: error shape, metrics, OpenAPI collection, caller.
  origin.setErrorHandler(jsonErrorHandler);
  origin.setNotFoundHandler(jsonNotFoundHandler);
  await origin.register(metricsPlugin, { metrics: s.metrics, service: 'origin' });
  await origin.register(swagger, { openapi: { info: { title: 'TerraHub', version: '0.1.0' } } });
  await origin.register(authPlugin, { identity: s.identity });

  // 2. Operations endpoints: health and Prometheus metrics (unauthenticated, as scrapers expect).
  origin.get('/hub/health', { schema: { hide: true } }, async () => {
    s.db.prepare('SELECT 1').get();
    return { status: 'ok' };
  });
  origin.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await s.metrics.registry.metrics();
    return reply.type(s.metrics.registry.contentType).send(body);
  });

  // 3. The hub's REST API. Other areas add to the user model through these extras.
  const userModelExtras: UserModelExtra[] = [];
  await origin.register(hubApi, {
    prefix: '/hub/api',
    identity: s.identity,
    userModelExtras,
    s3EndpointUrl: () => s.s3PublicUrl,
    beforeUserRemoved: async (user) => s.hub?.spawner.stopUser(user, 'user deleted'),
  });

  // 4. Storage: the signing service on the origin, and the S3 listener.
  const listeners: Listener[] = [{ name: 'origin', app: origin, host: s.config.host, port: s.config.port }];
  userModelExtras.push((u) => ({ storage: s.storage.usage(u) }));
  await origin.register(sasRoutes, {
    prefix: '/api/sas/v1',
    storage: s.storage,
    maxAgeMs: s.config['storage.presignMaxAge'],
  });
  const s3 = newFastify(s);
  const s3Host = new URL(s.s3PublicUrl).hostname;
  await s3.register(s3App, {
    storage: s.storage,
    identity: s.identity,
    // Virtual-hosted style needs a DNS name whose subdomains reach us; never an IP address.
    virtualHostBase: /^[\d.]+$|^\[/.test(s3Host) || s3Host === 'localhost' ? null : s3Host,
    sendfile: { mode: s.config['s3.sendfile'], minBytes: s.config['s3.sendfileMinBytes'] },
  });
  listeners.push({ name: 's3', app: s3, host: s.config['s3.host'], port: s.config['s3.port'] });

  // 5. Catalog: STAC API under /api/stac/v1 (its own STAC error shape, set inside the plugin).
  await registerStacApi(origin, {
    catalog: s.catalog,
    prefix: '/api/stac/v1',
    publicUrl: () => s.publicUrl,
    queryablesFile: s.config['catalog.queryables'],
  });

  // 6. Data API under /api/data/v1 (reads storage with the caller's rights, and the catalog).
  await origin.register(dataApi, {
    prefix: '/api/data/v1',
    tiler: s.tiler,
    publicUrl: s.config.publicUrl,
    catalog: s.catalog,
    searches: s.tiler.searches,
  });

  // 7. Hub pages, spawner and proxy under /hub/ and /user/; 7b. OpenID Connect login, when configured.
  if (s.hub) {
    await hubHttp(origin, s, s.hub, userModelExtras);
    await oidcLogin(origin, s, s.hub);
  }

  return { origin, listeners };
}
