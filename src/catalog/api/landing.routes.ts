/** Landing page, conformance, OpenAPI (service-desc), a service-doc page, and queryables. */
import type { FastifyInstance } from 'fastify';
import { openApiFor } from '../../core/http/openapi.ts';
import { queryablesSchema } from '../queryables.ts';
import { CONFORMANCE } from './conformance.ts';
import { GEOJSON, JSON_TYPE } from './links.ts';
import type { StacApiOptions } from './plugin.ts';

const PREFIX = '/api/stac/v1';
const QUERYABLES_REL = 'http://www.opengis.net/def/rel/ogc/1.0/queryables';

export async function landingRoutes(app: FastifyInstance, opts: StacApiOptions): Promise<void> {
  const { catalog } = opts;

  app.get('/', { schema: { summary: 'STAC API landing page', tags: ['stac'] } }, async (req) => {
    const base = opts.baseUrl();
    const collections = await catalog.listCollections(req.principal);
    return {
      type: 'Catalog',
      stac_version: '1.0.0',
      id: 'terrahub',
      title: 'TerraHub STAC API',
      description: 'The STAC catalog of this TerraHub: collections and items you may read.',
      conformsTo: CONFORMANCE,
      links: [
        { rel: 'self', type: JSON_TYPE, href: `${base}/` },
        { rel: 'root', type: JSON_TYPE, href: `${base}/` },
        { rel: 'service-desc', type: 'application/vnd.oai.openapi+json;version=3.0', href: `${base}/api` },
        { rel: 'service-doc', type: 'text/html', href: `${base}/api.html` },
        { rel: 'conformance', type: JSON_TYPE, href: `${base}/conformance` },
        { rel: 'data', type: JSON_TYPE, href: `${base}/collections` },
        { rel: 'search', type: GEOJSON, href: `${base}/search`, method: 'GET' },
        { rel: 'search', type: GEOJSON, href: `${base}/search`, method: 'POST' },
        { rel: QUERYABLES_REL, type: 'application/schema+json', href: `${base}/queryables` },
        ...collections.map((c) => ({
          rel: 'child',
          type: JSON_TYPE,
          href: `${base}/collections/${encodeURIComponent(c.collection.id)}`,
          ...(c.collection.title ? { title: c.collection.title } : {}),
        })),
      ],
    };
  });

  app.get('/conformance', { schema: { summary: 'Conformance classes', tags: ['stac'] } }, async () => ({
    conformsTo: CONFORMANCE,
  }));

  app.get(
    '/api',
    { schema: { summary: 'OpenAPI document of the STAC API', tags: ['stac'] } },
    async (_req, reply) => {
      const doc = openApiFor(app, PREFIX, { title: 'TerraHub STAC API', version: '1.0.0' });
      return reply.type('application/vnd.oai.openapi+json;version=3.0').send(doc);
    },
  );

  app.get('/api.html', { schema: { hide: true } }, async (_req, reply) => {
    const doc = openApiFor(app, PREFIX, { title: 'TerraHub STAC API', version: '1.0.0' });
    const rows = Object.entries(doc.paths ?? {})
      .flatMap(([path, ops]) =>
        Object.entries(ops as Record<string, { summary?: string }>).map(
          ([m, op]) =>
            `<tr><td>${m.toUpperCase()}</td><td><code>${esc(path)}</code></td><td>${esc(op.summary ?? '')}</td></tr>`,
        ),
      )
      .join('\n');
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><html><head><meta charset="utf-8">
<title>TerraHub STAC API</title></head><body><h1>TerraHub STAC API</h1>
<p>STAC API v1.0.0. Machine-readable description: <a href="api">OpenAPI document</a>.
Conformance classes: <a href="conformance">conformance</a>.</p>
<table border="1" cellpadding="4"><tr><th>Method</th><th>Path</th><th>What</th></tr>${rows}</table></body></html>`);
  });

  app.get(
    '/queryables',
    { schema: { summary: 'Queryables of all collections you may read', tags: ['stac'] } },
    async (req, reply) => {
      const seen = await catalog.seenProperties(req.principal);
      return reply
        .type('application/schema+json')
        .send(queryablesSchema(`${opts.baseUrl()}/queryables`, seen, opts.extraQueryables));
    },
  );

  app.get<{ Params: { collectionId: string } }>(
    '/collections/:collectionId/queryables',
    { schema: { summary: 'Queryables of one collection', tags: ['stac'] } },
    async (req, reply) => {
      const id = req.params.collectionId;
      const seen = await catalog.seenProperties(req.principal, id);
      const self = `${opts.baseUrl()}/collections/${encodeURIComponent(id)}/queryables`;
      return reply.type('application/schema+json').send(queryablesSchema(self, seen, opts.extraQueryables));
    },
  );
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
