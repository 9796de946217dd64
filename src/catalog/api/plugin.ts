/**
 * The STAC API (`/api/stac/v1`) as one Fastify plugin: its own error shape (`{"code", "description"}`, the
 * STAC API's), body parsers for GeoJSON and ndjson, and the route groups below.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logError } from '../../core/http/errors.ts';
import { toTerraHubError } from '../../core/errors.ts';
import type { CatalogService } from '../service.ts';
import { collectionRoutes } from './collections.routes.ts';
import { itemRoutes } from './items.routes.ts';
import { landingRoutes } from './landing.routes.ts';
import { searchRoutes } from './search.routes.ts';
import { transactionRoutes } from './transactions.routes.ts';

export interface StacApiOptions {
  catalog: CatalogService;
  /** The URL users reach the STAC API at (no trailing slash), read per request: ports are bound late. */
  baseUrl: () => string;
  /** Extra queryables from configuration. */
  extraQueryables: Record<string, unknown>;
}

export function stacErrorHandler(raw: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const e = toTerraHubError(raw);
  logError(req, raw, e);
  void reply
    .status(e.status)
    .type('application/json; charset=utf-8')
    .send({ code: e.code, description: e.message, ...(e.details ?? {}) });
}

export async function stacApi(app: FastifyInstance, opts: StacApiOptions): Promise<void> {
  app.setErrorHandler(stacErrorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ code: 'TH_NOT_FOUND', description: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });
  // GeoJSON bodies are JSON; ndjson bodies stream to the ingest route unparsed.
  app.addContentTypeParser(
    ['application/geo+json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    (req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (e) {
        (e as FastifyError).statusCode = 400;
        done(e as Error, undefined);
      }
    },
  );
  app.addContentTypeParser('application/x-ndjson', (_req, payload, done) => done(null, payload));
  // Children get the options without the parent's prefix (it would apply twice).
  const child: StacApiOptions = {
    catalog: opts.catalog,
    baseUrl: opts.baseUrl,
    extraQueryables: opts.extraQueryables,
  };
  for (const routes of [landingRoutes, collectionRoutes, itemRoutes, searchRoutes, transactionRoutes])
    await app.register(routes, child);
}
