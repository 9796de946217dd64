/**
 * A small HTTP "browser" for the OIDC tests: a cookie jar per origin that respects cookie paths, redirects
 * followed one by one (so a test can stop at the callback and tamper with it), and the test provider's
 * login and consent forms filled in.
 */
interface Jarred {
  value: string;
  path: string;
}

export interface Step {
  url: string;
  res: Response;
  body: string;
}

export class FlowBrowser {
  private jars = new Map<string, Map<string, Jarred>>();

  private jar(origin: string): Map<string, Jarred> {
    let j = this.jars.get(origin);
    if (!j) this.jars.set(origin, (j = new Map<string, Jarred>()));
    return j;
  }

  cookie(url: string, name: string): string | undefined {
    return this.jar(new URL(url).origin).get(name)?.value;
  }

  /** Drops a cookie, as a browser whose cookie expired would. */
  forget(url: string, name: string): void {
    this.jar(new URL(url).origin).delete(name);
  }

  /** One request, no redirect following; cookies sent and stored. */
  async request(url: string, init: RequestInit = {}): Promise<Step> {
    const u = new URL(url);
    const jar = this.jar(u.origin);
    const headers = new Headers(init.headers);
    const cookies = [...jar]
      .filter(([, c]) => u.pathname.startsWith(c.path))
      .map(([k, c]) => `${k}=${c.value}`);
    if (cookies.length) headers.set('cookie', cookies.join('; '));
    if (!headers.has('accept')) headers.set('accept', 'text/html,*/*');
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';').map((x) => x.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const gone = attrs.some((a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a));
      if (!value || gone) jar.delete(name);
      else jar.set(name, { value, path });
    }
    return { url: u.href, res, body: await res.text() };
  }

  /** Follows redirects from `url` until a non-redirect answer, or until `stop(nextUrl)` is true. */
  async follow(
    url: string,
    stop: (next: URL) => boolean = () => false,
    init: RequestInit = {},
  ): Promise<Step> {
    let step = await this.request(url, init);
    for (let i = 0; i < 20; i++) {
      const loc = step.res.headers.get('location');
      if (step.res.status < 300 || step.res.status >= 400 || !loc) return step;
      const next = new URL(loc, step.url);
      if (stop(next)) return step;
      step = await this.request(next.href);
    }
    throw new Error('too many redirects');
  }

  /**
   * Posts a form of a page (the first, or the first whose action contains `opts.action`) with its hidden
   * fields plus `fields`, and follows the redirects.
   */
  async submit(
    page: Step,
    fields: Record<string, string>,
    stop?: (next: URL) => boolean,
    opts: { action?: string } = {},
  ): Promise<Step> {
    const forms = [...page.body.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
    const chosen = forms.find((f) => f[1]!.includes(opts.action ?? ''));
    if (!chosen) throw new Error(`no form on ${page.url}: ${page.body.slice(0, 300)}`);
    const action = chosen[1]!;
    const form = new URLSearchParams();
    for (const m of chosen[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(m[0])?.[1];
      const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
      if (name) form.set(name, value.replace(/&amp;/g, '&'));
    }
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    const first = await this.request(new URL(action.replace(/&amp;/g, '&'), page.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const loc = first.res.headers.get('location');
    if (!loc || first.res.status < 300 || first.res.status >= 400) return first;
    const next = new URL(loc, first.url);
    return stop?.(next) ? first : this.follow(next.href, stop);
  }
}

/**
 * The whole login at the test provider, from the hub's login button: returns the hub's last answer (the
 * redirect after the callback, or an error page). `consent: false` denies at the consent page;
 * `atCallback` receives the callback URL instead of the browser going there (to tamper with it).
 */
export async function oidcLogin(
  b: FlowBrowser,
  hubUrl: string,
  account: { login: string; password: string },
  opts: { consent?: boolean; atCallback?: (url: URL) => Promise<Step> } = {},
): Promise<Step> {
  const loginPage = await b.request(`${hubUrl}/hub/login`);
  const href = /href="(\/hub\/oauth_login[^"]*)"/.exec(loginPage.body)?.[1];
  if (!href) throw new Error('no OIDC button on the login page');
  let callback: URL | null = null;
  const stop = (u: URL) => u.pathname === '/hub/oauth_callback' && (callback = u) !== null;
  const form = await b.follow(new URL(href.replace(/&amp;/g, '&'), hubUrl).href, stop);
  let step = await b.submit(form, { login: account.login, password: account.password }, stop);
  if (!callback && /name="consent"/.test(step.body)) {
    if (opts.consent === false) {
      const deny = /href="([^"]+\/abort)"/.exec(step.body)![1]!;
      step = await b.follow(new URL(deny, step.url).href, stop);
    } else {
      step = await b.submit(step, {}, stop);
    }
  }
  if (!callback)
    throw new Error(
      `the provider did not redirect to the hub: ${step.res.status} ${step.body.slice(0, 300)}`,
    );
  if (opts.atCallback) return opts.atCallback(callback);
  return b.request((callback as URL).href);
}
