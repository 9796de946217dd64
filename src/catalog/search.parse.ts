/**
 * STAC search requests (the POST body form; GET parameters are first turned into it by the API) to a
 * checked SearchQuery: bbox/intersects/datetime/ids/collections/limit/sortby/filter/query/q. Errors name the
 * parameter. Pure.
 */
import { TerraHubError } from '../core/errors.ts';
import { parseCql2Text } from './cql2/text.parse.ts';
import { validateGeometry, splitBbox } from './geometry.ts';
import type { Geometry, SearchQuery, SortKey, TimeRange } from './model.ts';
import { queryToCql2 } from './query.extension.ts';
import { parseDatetimeParam } from './time.ts';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;

/** The search body as clients send it (POST /search); every field optional. */
export interface SearchBody {
  collections?: unknown;
  ids?: unknown;
  bbox?: unknown;
  intersects?: unknown;
  datetime?: unknown;
  limit?: unknown;
  sortby?: unknown;
  fields?: unknown;
  query?: unknown;
  filter?: unknown;
  'filter-lang'?: unknown;
  'filter-crs'?: unknown;
  q?: unknown;
  token?: unknown;
  [k: string]: unknown;
}

function bad(parameter: string, msg: string): never {
  throw new TerraHubError('TH_STAC_BAD_SEARCH', `${parameter}: ${msg}`, { parameter });
}

function stringList(v: unknown, name: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  // A single name is taken as a list of one (clients send "collections": "naip").
  if (typeof v === 'string') return v.split(',').filter(Boolean);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(name, 'must be a list of strings');
  return v;
}

/** A bbox: a list of 4 or 6 numbers (GET's comma-separated form is split by the API first). */
export function parseBbox(v: unknown): number[] {
  const arr = v;
  if (!Array.isArray(arr) || (arr.length !== 4 && arr.length !== 6)) bad('bbox', 'must have 4 or 6 numbers');
  if (!arr.every((n) => typeof n === 'number' && Number.isFinite(n))) bad('bbox', 'must be numbers');
  const b = arr as number[];
  const [y0, y1] = b.length === 6 ? [b[1]!, b[4]!] : [b[1]!, b[3]!];
  if (y0 > y1) bad('bbox', 'the southern edge is north of the northern edge');
  if (y0 < -90 || y1 > 90) bad('bbox', 'latitudes must be within [-90, 90]');
  const [x0, x1] = b.length === 6 ? [b[0]!, b[3]!] : [b[0]!, b[2]!];
  if (x0 < -180 || x0 > 180 || x1 < -180 || x1 > 180) bad('bbox', 'longitudes must be within [-180, 180]');
  return b;
}

export function parseLimit(v: unknown): number {
  if (v === undefined || v === null || v === '') return DEFAULT_LIMIT;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) bad('limit', 'must be a positive integer');
  return Math.min(n, MAX_LIMIT);
}

/** sortby as a list of {field, direction}, or GET's "+a,-b,c". */
export function parseSortby(v: unknown): SortKey[] {
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') {
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => ({
        field: s.replace(/^[+-]/, ''),
        direction: s.startsWith('-') ? ('desc' as const) : ('asc' as const),
      }));
  }
  if (!Array.isArray(v)) bad('sortby', 'must be a list of {field, direction}');
  return v.map((k: unknown, i) => {
    const o = k as { field?: unknown; direction?: unknown };
    if (typeof o?.field !== 'string' || !o.field) bad(`sortby[${i}].field`, 'must be a field name');
    const d =
      o.direction === undefined ? 'asc' : typeof o.direction === 'string' ? o.direction.toLowerCase() : '';
    if (d !== 'asc' && d !== 'desc') bad(`sortby[${i}].direction`, 'must be "asc" or "desc"');
    return { field: o.field, direction: d };
  });
}

function parseFilter(body: SearchBody): unknown {
  const f = body.filter;
  if (f === undefined || f === null || f === '') return undefined;
  const lang = body['filter-lang'];
  const crs = body['filter-crs'];
  if (crs !== undefined && crs !== 'http://www.opengis.net/def/crs/OGC/1.3/CRS84')
    bad('filter-crs', 'only http://www.opengis.net/def/crs/OGC/1.3/CRS84 is supported');
  if (lang !== undefined && lang !== 'cql2-text' && lang !== 'cql2-json')
    bad('filter-lang', 'must be cql2-text or cql2-json');
  if (typeof f === 'string') {
    if (lang === 'cql2-json') {
      try {
        return JSON.parse(f) as unknown;
      } catch {
        bad('filter', 'is not valid JSON (filter-lang is cql2-json)');
      }
    }
    return parseCql2Text(f);
  }
  if (lang === 'cql2-text') bad('filter', 'must be a string when filter-lang is cql2-text');
  return f;
}

/** Everything of a search but the caller's collections, limit and position. */
export interface ParsedSearch extends Omit<SearchQuery, 'collections' | 'countLimit' | 'after'> {
  /** Collections asked for (undefined = all the caller may read). */
  requested?: string[] | undefined;
  token?: string | undefined;
  fields?: unknown;
}

export function parseSearch(body: SearchBody): ParsedSearch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('body', 'must be a JSON object');
  if (
    body.bbox !== undefined &&
    body.bbox !== null &&
    body.intersects !== undefined &&
    body.intersects !== null
  )
    bad('bbox', 'bbox and intersects cannot be used together');
  let intersects: Geometry | undefined;
  if (body.intersects !== undefined && body.intersects !== null) {
    const raw =
      typeof body.intersects === 'string' ? safeJson(body.intersects, 'intersects') : body.intersects;
    intersects = validateGeometry(raw, 'intersects');
  }
  const bboxes = body.bbox !== undefined && body.bbox !== null ? splitBbox(parseBbox(body.bbox)) : undefined;
  let datetime: TimeRange | undefined;
  if (body.datetime !== undefined && body.datetime !== null && body.datetime !== '') {
    if (typeof body.datetime !== 'string') bad('datetime', 'must be a string');
    datetime = parseDatetimeParam(body.datetime);
  }
  const filters = [parseFilter(body), body.query !== undefined ? queryToCql2(body.query) : undefined].filter(
    (x) => x !== undefined,
  );
  const q =
    body.q === undefined || body.q === null
      ? undefined
      : typeof body.q === 'string'
        ? [body.q]
        : stringList(body.q, 'q');
  const token = body.token;
  if (token !== undefined && token !== null && typeof token !== 'string') bad('token', 'must be a string');
  return {
    requested: stringList(body.collections, 'collections'),
    ids: stringList(body.ids, 'ids'),
    bboxes,
    intersects,
    datetime,
    filter:
      filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : { op: 'and', args: filters },
    q: q?.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean),
    sortby: sortbyOrDefault(parseSortby(body.sortby)),
    limit: parseLimit(body.limit),
    token: typeof token === 'string' && token ? token : undefined,
    fields: body.fields,
  };
}

/** Without a sortby, newest first (as STAC APIs commonly answer). */
function sortbyOrDefault(keys: SortKey[]): SortKey[] {
  return keys.length ? keys : [{ field: 'datetime', direction: 'desc' }];
}

function safeJson(s: string, name: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    bad(name, 'is not valid JSON');
  }
}
