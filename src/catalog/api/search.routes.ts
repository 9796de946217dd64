/** Item Search, GET and POST, over every collection the caller may read. */
import type { FastifyInstance } from 'fastify';
import { TerraHubError } from '../../core/errors.ts';
import { parseLimit } from '../search.parse.ts';
import { GEOJSON } from './links.ts';
import type { StacApiOptions } from './plugin.ts';
import { featureCollection, queryToBody } from './present.ts';

export async function searchRoutes(app: FastifyInstance, opts: StacApiOptions): Promise<void> {
  const { catalog } = opts;

  app.get<{ Querystring: Record<string, unknown> }>(
    '/search',
    { schema: { summary: 'Search items (GET parameters)', tags: ['stac'] } },
    async (req, reply) => {
      const body = queryToBody(req.query);
      const r = await catalog.search(req.principal, body);
      const base = opts.baseUrl();
      return reply
        .type(GEOJSON)
        .send(
          featureCollection(
            { base, selfUrl: `${base}/search`, limit: parseLimit(body['limit']), postBody: null, req },
            r,
          ),
        );
    },
  );

  app.post<{ Body: unknown }>(
    '/search',
    { schema: { summary: 'Search items (JSON body)', tags: ['stac'] } },
    async (req, reply) => {
      const body = req.body ?? {};
      if (typeof body !== 'object' || Array.isArray(body))
        throw new TerraHubError('TH_STAC_BAD_SEARCH', 'the search body must be a JSON object');
      const b = body as Record<string, unknown>;
      const r = await catalog.search(req.principal, b);
      const base = opts.baseUrl();
      return reply
        .type(GEOJSON)
        .send(
          featureCollection(
            { base, selfUrl: `${base}/search`, limit: parseLimit(b['limit']), postBody: b, req },
            r,
          ),
        );
    },
  );
}
