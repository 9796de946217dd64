/** Reading items: a collection's items (bbox, datetime, limit, paging, and the search extensions) and one item. */
import type { FastifyInstance } from 'fastify';
import { GEOJSON, quoteEtag, withItemLinks } from './links.ts';
import type { StacApiOptions } from './plugin.ts';
import { featureCollection, queryToBody } from './present.ts';
import { parseLimit } from '../search.parse.ts';

export async function itemRoutes(app: FastifyInstance, opts: StacApiOptions): Promise<void> {
  const { catalog } = opts;

  app.get<{ Params: { collectionId: string }; Querystring: Record<string, unknown> }>(
    '/collections/:collectionId/items',
    {
      schema: {
        summary: "A collection's items (bbox, datetime, limit, filter, sortby, fields, query, token)",
        tags: ['stac'],
      },
    },
    async (req, reply) => {
      const cid = req.params.collectionId;
      await catalog.getStoredCollection(req.principal, cid); // 404 first, even with bad parameters
      const body: Record<string, unknown> = { ...queryToBody(req.query), collections: [cid] };
      const r = await catalog.search(req.principal, body);
      const base = opts.baseUrl();
      const out = featureCollection(
        {
          base,
          selfUrl: `${base}/collections/${encodeURIComponent(cid)}/items`,
          limit: parseLimit(body['limit']),
          postBody: null,
          req,
        },
        r,
      );
      return reply.type(GEOJSON).send(out);
    },
  );

  app.get<{ Params: { collectionId: string; itemId: string } }>(
    '/collections/:collectionId/items/:itemId',
    { schema: { summary: 'One item', tags: ['stac'] } },
    async (req, reply) => {
      const s = await catalog.getStoredItem(req.principal, req.params.collectionId, req.params.itemId);
      return reply
        .type(GEOJSON)
        .header('etag', quoteEtag(s.etag))
        .send(withItemLinks(opts.baseUrl(), s.item));
    },
  );
}
