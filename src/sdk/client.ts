/**
 * The TypeScript client of a TerraHub, as the Python client (`python/terrahub`) is for notebooks: who am I,
 * my S3 credentials, signed asset hrefs (one read token per bucket, cached until shortly before it expires,
 * like `planetary_computer.sign`), and STAC searches that follow `next` links. The CLI's remote commands use it.
 *
 * @example
 * const th = new TerraHubClient({ url: 'http://127.0.0.1:8000', token });
 * for await (const item of th.search({ collections: ['demo'], limit: 100 })) console.log(th.sign(item));
 */

/** An error answered by TerraHub, with its status and registry code. */
export class TerraHubApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerraHubApiError';
  }
}

export interface Credentials {
  access_key_id: string;
  secret_access_key: string;
  endpoint_url: string;
}

type Json = Record<string, unknown>;

/** A token is renewed when less than this is left, so a long read never starts on an expiring token. */
const RENEW_BEFORE_MS = 5 * 60_000;

export class TerraHubClient {
  readonly url: string;
  private readonly token: string | undefined;
  private tokens = new Map<string, { token: string; expires: number }>();
  private s3Url: string | undefined;

  constructor(opts: { url: string; token?: string | undefined }) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token;
  }

  /** JSON from a TerraHub API path; errors become TerraHubApiError with TerraHub's code and message. */
  async request<T = Json>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(path.startsWith('http') ? path : this.url + path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await r.text();
    const body = (text ? JSON.parse(text) : {}) as Json;
    if (!r.ok) {
      // TerraHub's APIs say {code, message}; the STAC API says {code, description}.
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const message = str(body['message']) ?? str(body['description']) ?? text;
      throw new TerraHubApiError(r.status, str(body['code']) ?? String(r.status), message);
    }
    return body as T;
  }

  /** The calling user, with the scopes of this token. */
  me(): Promise<{ name: string; admin: boolean; scopes: string[] }> {
    return this.request('/hub/api/user');
  }

  /** S3 credentials of `user` (default: the caller); `rotate` makes a new pair first. */
  async credentials(opts: { user?: string; rotate?: boolean } = {}): Promise<Credentials> {
    const name = opts.user ?? (await this.me()).name;
    const c = await this.request<Credentials>(`/hub/api/users/${encodeURIComponent(name)}/credentials`, {
      method: opts.rotate ? 'POST' : 'GET',
    });
    this.s3Url = c.endpoint_url.replace(/\/+$/, '');
    return c;
  }

  /** The read token (a query string) for a bucket, from the cache while it has time left. */
  async bucketToken(bucket: string): Promise<string> {
    const hit = this.tokens.get(bucket);
    if (hit && hit.expires - Date.now() > RENEW_BEFORE_MS) return hit.token;
    const body = await this.request<{ token: string; 'msft:expiry': string }>(
      `/api/sas/v1/token/${encodeURIComponent(bucket)}`,
    );
    this.tokens.set(bucket, { token: body.token, expires: Date.parse(body['msft:expiry']) });
    return body.token;
  }

  /** A readable URL for an href on TerraHub storage (`s3://b/k` or on the S3 endpoint); others unchanged. */
  async signHref(href: string): Promise<string> {
    if (!this.s3Url) await this.credentials();
    const base = this.s3Url!;
    let rest: string | null = null;
    if (href.startsWith('s3://')) rest = href.slice(5).split(/[?#]/)[0]!;
    else if (href.startsWith(base + '/'))
      rest = decodeURIComponent(href.slice(base.length + 1).split(/[?#]/)[0]!);
    const slash = rest?.indexOf('/') ?? -1;
    if (rest === null || slash <= 0) return href;
    const bucket = rest.slice(0, slash);
    const key = rest.slice(slash + 1);
    const path = key.split('/').map(encodeURIComponent).join('/');
    return `${base}/${encodeURIComponent(bucket)}/${path}?${await this.bucketToken(bucket)}`;
  }

  /** A copy of a STAC item, collection, FeatureCollection or asset with every asset href signed. */
  async sign<T>(obj: T): Promise<T> {
    const copy = structuredClone(obj) as unknown;
    const visit = async (o: unknown): Promise<void> => {
      if (Array.isArray(o)) {
        for (const x of o) await visit(x);
        return;
      }
      if (!o || typeof o !== 'object') return;
      const rec = o as Json;
      if (Array.isArray(rec['features'])) await visit(rec['features']);
      if (rec['assets'] && typeof rec['assets'] === 'object') await visit(Object.values(rec['assets']));
      if (typeof rec['href'] === 'string') rec['href'] = await this.signHref(rec['href']);
    };
    await visit(copy);
    return copy as T;
  }

  /** Every item matching a STAC search (POST /search), following `next` links page by page. */
  async *search(body: Json): AsyncGenerator<Json> {
    let page = await this.request<{ features: Json[]; links?: Json[] }>('/api/stac/v1/search', {
      method: 'POST',
      body,
    });
    for (;;) {
      yield* page.features;
      const next = page.links?.find((l) => l['rel'] === 'next');
      if (!next || typeof next['href'] !== 'string') return;
      const method = next['method'] === 'POST' ? 'POST' : 'GET';
      page = await this.request(next['href'], {
        method,
        ...(method === 'POST' ? { body: next['body'] } : {}),
      });
    }
  }
}
