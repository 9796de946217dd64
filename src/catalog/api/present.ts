/**
 * Turns CatalogService results into STAC API responses: FeatureCollections with links, numberMatched and
 * next links (GET: the same URL with a token; POST: method, body with the token, merge false).
 */
import type { FastifyRequest } from 'fastify';
import { applyFields, parseFields } from '../fields.ts';
import type { StacLink } from '../model.ts';
import type { SearchResult } from '../service.ts';
import { itemTextWithLinks } from './item-text.ts';
import { GEOJSON, JSON_TYPE, withItemLinks } from './links.ts';

export interface PageContext {
  base: string;
  /** Absolute URL of this endpoint without its query. */
  selfUrl: string;
  limit: number;
  /** The POST body, for POST next links; null for GET. */
  postBody: Record<string, unknown> | null;
  req: FastifyRequest;
}

function nextLink(ctx: PageContext, token: string): StacLink {
  if (ctx.postBody) {
    return {
      rel: 'next',
      type: GEOJSON,
      href: ctx.selfUrl,
      method: 'POST',
      body: { ...ctx.postBody, token },
      merge: false,
    };
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(ctx.req.query as Record<string, unknown>)) {
    if (k === 'token') continue;
    for (const x of Array.isArray(v) ? v : [v]) params.append(k, String(x));
  }
  params.set('token', token);
  return { rel: 'next', type: GEOJSON, href: `${ctx.selfUrl}?${params.toString()}` };
}

/**
 * The FeatureCollection: an object, or its JSON text when the items' stored texts could be copied into it
 * (no Fields request: the stored item is served whole, only its links made here; see item-text.ts).
 */
export function featureCollection(ctx: PageContext, r: SearchResult): Record<string, unknown> | string {
  const fields = parseFields(r.fields, r.fieldsGiven);
  const texts = !fields && r.texts ? r.texts.map((t) => itemTextWithLinks(ctx.base, t)) : null;
  const features = texts ? [] : r.items.map((i) => applyFields(withItemLinks(ctx.base, i), fields));
  const returned = texts ? texts.length : features.length;
  const links: StacLink[] = [
    { rel: 'root', type: JSON_TYPE, href: `${ctx.base}/` },
    { rel: 'self', type: GEOJSON, href: ctx.req.url ? absolute(ctx) : ctx.selfUrl },
  ];
  if (r.next) links.push(nextLink(ctx, r.next));
  const rest = {
    links,
    ...(r.numberMatched === null ? {} : { numberMatched: r.numberMatched }),
    numberReturned: returned,
    ...(r.numberMatchedExact ? {} : { 'terrahub:numberMatchedExact': false }),
    context: {
      returned,
      limit: ctx.limit,
      ...(r.numberMatched === null ? {} : { matched: r.numberMatched }),
    },
  };
  if (!texts) return { type: 'FeatureCollection', features, ...rest };
  // The same members in the same order as the object above, with the feature texts spliced in.
  return `{"type":"FeatureCollection","features":[${texts.join(',')}],${JSON.stringify(rest).slice(1)}`;
}

function absolute(ctx: PageContext): string {
  const q = ctx.req.url.indexOf('?');
  return q < 0 ? ctx.selfUrl : ctx.selfUrl + ctx.req.url.slice(q);
}

const LISTS = new Set(['collections', 'ids']);

/**
 * GET query parameters to the POST search body form: comma-separated lists become lists, bbox numbers;
 * sortby and fields keep GET's string syntax (their parsers know it), intersects/query/filter stay text.
 */
export function queryToBody(query: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(query)) {
    const v = Array.isArray(raw) ? raw.map(String).join(',') : raw;
    if (typeof v !== 'string') body[k] = v;
    else if (LISTS.has(k)) body[k] = v.split(',').filter(Boolean);
    else if (k === 'bbox') body[k] = v.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
    else body[k] = v;
  }
  return body;
}
