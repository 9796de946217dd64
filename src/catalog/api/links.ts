/**
 * Links of STAC API responses. Stored documents keep their own links except the structural ones (self,
 * root, parent, collection, items), which are made here from the URL users reach the API at.
 */
import type { StacCollection, StacItem, StacLink } from '../model.ts';

export const GEOJSON = 'application/geo+json';
export const JSON_TYPE = 'application/json';
const STRUCTURAL = new Set(['self', 'root', 'parent', 'collection', 'items']);

export type BaseUrl = () => string;

const enc = encodeURIComponent;

function keep(links: StacLink[] | undefined): StacLink[] {
  return (links ?? []).filter((l) => !STRUCTURAL.has(l.rel));
}

export function itemLinks(base: string, item: StacItem): StacLink[] {
  const c = `${base}/collections/${enc(item.collection ?? '')}`;
  return [
    { rel: 'self', type: GEOJSON, href: `${c}/items/${enc(item.id)}` },
    { rel: 'parent', type: JSON_TYPE, href: c },
    { rel: 'collection', type: JSON_TYPE, href: c },
    { rel: 'root', type: JSON_TYPE, href: `${base}/` },
    ...keep(item.links),
  ];
}

export function withItemLinks(base: string, item: StacItem): StacItem {
  return { ...item, links: itemLinks(base, item) };
}

export function withCollectionLinks(base: string, c: StacCollection): StacCollection {
  const self = `${base}/collections/${enc(c.id)}`;
  return {
    ...c,
    links: [
      { rel: 'self', type: JSON_TYPE, href: self },
      { rel: 'parent', type: JSON_TYPE, href: `${base}/` },
      { rel: 'root', type: JSON_TYPE, href: `${base}/` },
      { rel: 'items', type: GEOJSON, href: `${self}/items` },
      {
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables',
        type: 'application/schema+json',
        href: `${self}/queryables`,
      },
      ...keep(c.links),
    ],
  };
}

/** `"etag"` for the ETag header; If-Match values are compared without quotes or a weak prefix. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

export function parseIfMatch(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h || h.trim() === '*') return undefined;
  return h.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}
