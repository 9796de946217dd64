/**
 * Reading a slice of any STAC API (a TerraHub, Earth Search, the Planetary Computer...): its collections, and
 * the items of a search paged through `next` links, whether the API pages with GET (a URL) or POST (a body,
 * `merge`d into the previous one as the STAC API spec allows). HTTP goes through the SDK's client, so a
 * token, when given, is sent as TerraHub expects it.
 */
import { TerraHubApiError, TerraHubClient } from '../sdk/client.ts';
import { TerraHubError } from '../core/errors.ts';

type Json = Record<string, unknown>;

export interface SliceQuery {
  collections: string[];
  bbox?: number[] | undefined;
  datetime?: string | undefined;
  /** Most items to read in all (undefined: every match). */
  limit?: number | undefined;
  /** Items asked for per page. */
  pageSize?: number | undefined;
}

interface Link {
  rel?: unknown;
  href?: unknown;
  method?: unknown;
  body?: unknown;
  merge?: unknown;
}

interface Page {
  features?: Json[];
  numberMatched?: unknown;
  context?: { matched?: unknown };
  links?: Link[];
}

export class StacSource {
  /** The API's root, without a trailing slash (`https://earth-search.aws.element84.com/v1`). */
  readonly root: string;
  readonly client: TerraHubClient;
  /** `numberMatched` of the search's first page, when the source tells it. */
  matched: number | undefined;

  constructor(root: string, token?: string) {
    let u: URL;
    try {
      u = new URL(root);
    } catch {
      throw new TerraHubError('TH_BAD_REQUEST', `"${root}" is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new TerraHubError('TH_BAD_REQUEST', `"${root}" is not an http(s) URL`);
    this.root = root.replace(/\/+$/, '');
    this.client = new TerraHubClient({ url: this.root, token });
  }

  /** JSON from a URL or a path under the root; any failure is a TH_MIRROR_SOURCE error naming the URL. */
  async get<T = Json>(pathOrUrl: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : this.root + pathOrUrl;
    try {
      return await this.client.request<T>(url, init);
    } catch (e) {
      const why =
        e instanceof TerraHubApiError ? `HTTP ${e.status}: ${e.message}` : (e as Error).message || String(e);
      throw new TerraHubError('TH_MIRROR_SOURCE', `${init.method ?? 'GET'} ${url}: ${why}`, {
        status: e instanceof TerraHubApiError ? e.status : 0,
      });
    }
  }

  /** A collection document, as the source serves it. */
  collection(id: string): Promise<Json> {
    return this.get(`/collections/${encodeURIComponent(id)}`);
  }

  /**
   * Every item of the slice, in the source's order. POST /search first; an API that refuses POST (405, or 404
   * on a GET-only server) is searched with GET and the same parameters.
   */
  async *items(q: SliceQuery): AsyncGenerator<Json> {
    const pageSize = Math.min(q.pageSize ?? 100, q.limit ?? Number.POSITIVE_INFINITY);
    const body: Json = { collections: q.collections, limit: pageSize };
    if (q.bbox) body['bbox'] = q.bbox;
    if (q.datetime) body['datetime'] = q.datetime;
    let page: Page;
    let lastBody: Json = body;
    try {
      page = await this.get<Page>('/search', { method: 'POST', body });
    } catch (e) {
      const status = (e as TerraHubError).details?.['status'];
      if (status !== 405 && status !== 404) throw e;
      page = await this.get<Page>(`/search?${searchParams(body).toString()}`);
    }
    const m = page.numberMatched ?? page.context?.matched;
    if (typeof m === 'number') this.matched = q.limit !== undefined ? Math.min(q.limit, m) : m;
    let seen = 0;
    for (;;) {
      for (const f of page.features ?? []) {
        if (q.limit !== undefined && seen >= q.limit) return;
        seen++;
        yield f;
      }
      if ((q.limit !== undefined && seen >= q.limit) || !(page.features ?? []).length) return;
      const next = (page.links ?? []).find((l) => l.rel === 'next');
      if (!next || typeof next.href !== 'string') return;
      if (next.method === 'POST') {
        const nb = (next.body ?? {}) as Json;
        lastBody = next.merge === true ? { ...lastBody, ...nb } : nb;
        page = await this.get<Page>(next.href, { method: 'POST', body: lastBody });
      } else {
        page = await this.get<Page>(next.href);
      }
    }
  }
}

/** The GET form of a search body (arrays comma-joined, as the STAC API's GET /search takes them). */
export function searchParams(body: Json): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) p.set(k, v.join(','));
    else if (typeof v === 'string' || typeof v === 'number') p.set(k, String(v));
    else p.set(k, JSON.stringify(v));
  }
  return p;
}
