/** Reading collections: the list (with Collection Search) and one collection (with its ETag). */
import type { FastifyInstance } from 'fastify';
import { searchCollections } from '../collection-search.ts';
import type { StoredCollection } from '../model.ts';
import { JSON_TYPE, quoteEtag, withCollectionLinks } from './links.ts';
import type { StacApiOptions } from './plugin.ts';

/** A collection as the API shows it: links, and its access fields for those who may change them. */
export function presentCollection(
  base: string,
  c: StoredCollection,
  showAccess: boolean,
): Record<string, unknown> {
  return {
    ...withCollectionLinks(base, c.collection),
    'terrahub:access': showAccess
      ? { visibility: c.access.visibility, owner: c.access.owner, groups: c.access.groups }
      : { visibility: c.access.visibility },
  };
}

export function mayChange(
  req: { principal: { user: { name: string } | null; scopes: Set<string> } },
  c: StoredCollection,
): boolean {
  const u = req.principal.user;
  return !!u && (req.principal.scopes.has('admin') || c.access.owner === u.name);
}

export async function collectionRoutes(app: FastifyInstance, opts: StacApiOptions): Promise<void> {
  const { catalog } = opts;

  app.get<{ Querystring: Record<string, string> }>(
    '/collections',
    {
      schema: {
        summary: 'Collections you may read (Collection Search: q, bbox, datetime, limit)',
        tags: ['stac'],
      },
    },
    async (req) => {
      const base = opts.baseUrl();
      const stored = await catalog.listCollections(req.principal);
      const byId = new Map(stored.map((s) => [s.collection.id, s]));
      const page = searchCollections(
        stored.map((s) => s.collection),
        req.query,
      );
      const links: Array<Record<string, unknown>> = [
        { rel: 'root', type: JSON_TYPE, href: `${base}/` },
        { rel: 'parent', type: JSON_TYPE, href: `${base}/` },
        { rel: 'self', type: JSON_TYPE, href: `${base}/collections` },
      ];
      if (page.next) {
        const params = new URLSearchParams({ ...req.query, token: page.next });
        links.push({ rel: 'next', type: JSON_TYPE, href: `${base}/collections?${params.toString()}` });
      }
      return {
        collections: page.collections.map((c) => {
          const s = byId.get(c.id)!;
          return presentCollection(base, s, mayChange(req, s));
        }),
        links,
        numberMatched: page.numberMatched,
        numberReturned: page.collections.length,
      };
    },
  );

  app.get<{ Params: { collectionId: string } }>(
    '/collections/:collectionId',
    { schema: { summary: 'One collection', tags: ['stac'] } },
    async (req, reply) => {
      const s = await catalog.getStoredCollection(req.principal, req.params.collectionId);
      void reply.header('etag', quoteEtag(s.etag));
      return presentCollection(opts.baseUrl(), s, mayChange(req, s));
    },
  );
}
