/**
 * Transactions: create, replace, patch (JSON merge patch) and delete of collections and items, bulk POST
 * of an ItemCollection (all or nothing), TerraHub's access call, and streaming ndjson ingest. Writes need
 * the write:catalog scope and ownership; ETag / If-Match give optimistic locking (412 on a mismatch).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import type { StoredCollection, StoredItem } from '../model.ts';
import { presentCollection } from './collections.routes.ts';
import { ingestNdjson } from './ingest.ts';
import { GEOJSON, parseIfMatch, quoteEtag, withItemLinks } from './links.ts';
import type { StacApiOptions } from './plugin.ts';

type P = { collectionId: string };
type PI = { collectionId: string; itemId: string };

function obj(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new TerraHubError('TH_BAD_REQUEST', `the body must be a JSON ${what}`);
  return body as Record<string, unknown>;
}

function sameId(doc: Record<string, unknown>, id: string, what: string): void {
  if (doc['id'] === undefined) doc['id'] = id;
  else if (doc['id'] !== id)
    throw new TerraHubError(
      'TH_BAD_REQUEST',
      `the ${what} id ${JSON.stringify(doc['id'])} does not match the URL ("${id}")`,
    );
}

/**
 * Replace and patch answer 204 with the new ETag (the transaction extension allows 200 or 204, and
 * stac-api-validator expects 204), or 200 with the document when the client asks for it with RFC 7240's
 * `Prefer: return=representation`.
 */
function status(req: FastifyRequest, s: number): number {
  return s === 200 && !/\breturn=representation\b/.test(String(req.headers['prefer'] ?? '')) ? 204 : s;
}

export async function transactionRoutes(app: FastifyInstance, opts: StacApiOptions): Promise<void> {
  const { catalog } = opts;
  const base = () => opts.baseUrl();
  const sendCollection = (req: FastifyRequest, reply: FastifyReply, s: StoredCollection, code: number) => {
    void reply.status(status(req, code)).header('etag', quoteEtag(s.etag));
    return reply.statusCode === 204 ? reply.send() : reply.send(presentCollection(base(), s, true));
  };
  const sendItem = (req: FastifyRequest, reply: FastifyReply, s: StoredItem, code: number) => {
    void reply.status(status(req, code)).header('etag', quoteEtag(s.etag));
    return reply.statusCode === 204 ? reply.send() : reply.type(GEOJSON).send(withItemLinks(base(), s.item));
  };

  app.post<{ Body: unknown }>(
    '/collections',
    { schema: { summary: 'Create a collection', tags: ['stac-transactions'] } },
    async (req, reply) => {
      const s = await catalog.upsertCollection(req.principal, obj(req.body, 'collection'), {
        mode: 'create',
      });
      void reply.header('location', `${base()}/collections/${encodeURIComponent(s.collection.id)}`);
      return sendCollection(req, reply, s, 201);
    },
  );

  app.put<{ Params: P; Body: unknown }>(
    '/collections/:collectionId',
    { schema: { summary: 'Replace a collection', tags: ['stac-transactions'] } },
    async (req, reply) => {
      const doc = obj(req.body, 'collection');
      sameId(doc, req.params.collectionId, 'collection');
      await catalog.getStoredCollection(req.principal, req.params.collectionId);
      const s = await catalog.upsertCollection(req.principal, doc, {
        mode: 'replace',
        ifMatch: parseIfMatch(req.headers['if-match']),
      });
      return sendCollection(req, reply, s, 200);
    },
  );

  app.patch<{ Params: P; Body: unknown }>(
    '/collections/:collectionId',
    { schema: { summary: 'Update a collection (JSON merge patch)', tags: ['stac-transactions'] } },
    async (req, reply) => {
      const s = await catalog.patchCollection(
        req.principal,
        req.params.collectionId,
        obj(req.body, 'object'),
        parseIfMatch(req.headers['if-match']),
      );
      return sendCollection(req, reply, s, 200);
    },
  );

  app.delete<{ Params: P }>(
    '/collections/:collectionId',
    { schema: { summary: 'Delete a collection and its items', tags: ['stac-transactions'] } },
    async (req, reply) => {
      await catalog.deleteCollection(
        req.principal,
        req.params.collectionId,
        parseIfMatch(req.headers['if-match']),
      );
      return reply.status(204).send();
    },
  );

  app.put<{ Params: P; Body: unknown }>(
    '/collections/:collectionId/access',
    {
      schema: {
        summary: 'Share a collection: {visibility: public|private, groups: [...]}',
        tags: ['stac-transactions'],
      },
    },
    async (req) => {
      return catalog.setAccess(req.principal, req.params.collectionId, req.body);
    },
  );

  app.post<{ Params: P; Body: unknown; Querystring: { mode?: string } }>(
    '/collections/:collectionId/items',
    {
      schema: {
        summary: 'Create an item, or a batch from an ItemCollection (all or nothing; ?mode=upsert replaces)',
        tags: ['stac-transactions'],
      },
    },
    async (req, reply) => {
      const cid = req.params.collectionId;
      const body = obj(req.body, 'Feature or FeatureCollection');
      const mode = req.query.mode === 'upsert' ? 'upsert' : 'create';
      if (body['type'] === 'FeatureCollection') {
        if (!Array.isArray(body['features']))
          throw new TerraHubError('TH_STAC_INVALID_ITEM', 'a FeatureCollection needs a "features" list', {
            path: '$.features',
          });
        const out = await catalog.upsertItems(req.principal, cid, body['features'] as unknown[], { mode });
        return reply.status(201).send({ added: out.length, ids: out.map((s) => s.item.id) });
      }
      const [s] = await catalog.upsertItems(req.principal, cid, [body], { mode });
      void reply.header(
        'location',
        `${base()}/collections/${encodeURIComponent(cid)}/items/${encodeURIComponent(s!.item.id)}`,
      );
      return sendItem(req, reply, s!, 201);
    },
  );

  app.post<{ Params: P; Querystring: { mode?: string; batchSize?: string } }>(
    '/collections/:collectionId/ingest',
    {
      schema: {
        summary: 'Stream items as ndjson (application/x-ndjson); each batch all or nothing',
        tags: ['stac-transactions'],
      },
    },
    async (req) => {
      if (!req.headers['content-type']?.startsWith('application/x-ndjson'))
        throw new TerraHubError(
          'TH_UNSUPPORTED_MEDIA_TYPE',
          'send the items as application/x-ndjson, one item a line',
        );
      const batchSize = Math.max(1, Math.min(10_000, Number(req.query.batchSize ?? 1000) || 1000));
      return ingestNdjson(catalog, req.principal, req.params.collectionId, req.body as Readable, {
        mode: req.query.mode === 'create' ? 'create' : 'upsert',
        batchSize,
      });
    },
  );

  app.put<{ Params: PI; Body: unknown }>(
    '/collections/:collectionId/items/:itemId',
    { schema: { summary: 'Replace an item', tags: ['stac-transactions'] } },
    async (req, reply) => {
      const doc = obj(req.body, 'Feature');
      sameId(doc, req.params.itemId, 'item');
      const [s] = await catalog.upsertItems(req.principal, req.params.collectionId, [doc], {
        mode: 'replace',
        ifMatch: parseIfMatch(req.headers['if-match']),
      });
      return sendItem(req, reply, s!, 200);
    },
  );

  app.patch<{ Params: PI; Body: unknown }>(
    '/collections/:collectionId/items/:itemId',
    { schema: { summary: 'Update an item (JSON merge patch)', tags: ['stac-transactions'] } },
    async (req, reply) => {
      const s = await catalog.patchItem(
        req.principal,
        req.params.collectionId,
        req.params.itemId,
        obj(req.body, 'object'),
        parseIfMatch(req.headers['if-match']),
      );
      return sendItem(req, reply, s, 200);
    },
  );

  app.delete<{ Params: PI }>(
    '/collections/:collectionId/items/:itemId',
    { schema: { summary: 'Delete an item', tags: ['stac-transactions'] } },
    async (req, reply) => {
      await catalog.deleteItem(
        req.principal,
        req.params.collectionId,
        req.params.itemId,
        parseIfMatch(req.headers['if-match']),
      );
      return reply.status(204).send();
    },
  );
}
