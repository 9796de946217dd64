/**
 * The OpenID Connect pages under /hub/ (registered only when `hub.oidc.issuer` is set):
 * - GET  /hub/oauth_login?next=...  starts a login: a flow cookie, then a redirect to the provider;
 * - GET  /hub/oauth_callback        the provider's answer: checks it, logs the browser in as local login does;
 * - GET/POST /hub/oauth_link        a logged-in user links their provider account to their TerraHub user.
 * The flow cookie `terrahub-oidc` (HttpOnly, SameSite=Lax so it comes back on the provider's top-level
 * redirect, Path=/hub/, ten minutes) holds only a random id; the flow's secrets stay in the database.
 * Errors are HTML pages for people, with a way to try again; never a stack trace.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toTerraHubError } from '../../core/errors.ts';
import type { User } from '../../core/identity/index.ts';
import { logError } from '../../core/http/errors.ts';
import {
  checkCsrf,
  isSecure,
  requireSession,
  safeNext,
  sessionOf,
  startSession,
  type PagesOptions,
} from '../pages/context.ts';
import { csrfField, html, page } from '../pages/layout.ts';
import { cookie, parseCookies } from '../sessions.ts';
import { localLoginEnabled } from './oidc.config.ts';
import type { OidcLogin } from './oidc.login.ts';
import { FLOW_MAX_AGE_MS } from './oidc.store.ts';

export const OIDC_FLOW_COOKIE = 'terrahub-oidc';

export interface OidcRoutesOptions extends PagesOptions {
  login: OidcLogin;
}

export async function oidcRoutes(app: FastifyInstance, o: OidcRoutesOptions): Promise<void> {
  const name = o.login.settings.displayName;
  const flowCookie = (req: FastifyRequest, value: string, maxAgeS: number) =>
    cookie(OIDC_FLOW_COOKIE, value, { path: '/hub/', secure: isSecure(o.config, req), maxAgeS });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addHook('onRoute', (r) => {
    r.schema = { ...(r.schema ?? {}), hide: true };
  });
  app.setErrorHandler((raw: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const e = toTerraHubError(raw);
    logError(req, raw, e);
    const s = sessionOf(o, req);
    void reply
      .status(e.status)
      .header('set-cookie', flowCookie(req, '', 0))
      .type('text/html; charset=utf-8')
      .send(
        page(
          'Login failed',
          html`<p class="error" role="alert">${e.message}</p>
            ${
              e.code === 'TH_HUB_OIDC_USER_CLASH' && localLoginEnabled(o.config)
                ? html`<p>
                    If that account is yours:
                    <a href="/hub/login?next=%2Fhub%2Foauth_link"
                      >log in with its password and link the accounts</a
                    >.
                  </p>`
                : ''
            }
            <p>
              <a href="/hub/oauth_login">Try again with ${name}</a> or go to the
              <a href="/hub/login">login page</a>.
            </p>`,
          { user: s?.user ?? null, csrf: s?.csrf ?? '' },
        ),
      );
  });

  const toProvider = async (
    req: FastifyRequest,
    reply: FastifyReply,
    next: string,
    link: User | null,
    status: 302 | 303,
  ) => {
    const { flowId, url } = await o.login.begin(next, link);
    return reply
      .header('set-cookie', flowCookie(req, flowId, Math.floor(FLOW_MAX_AGE_MS / 1000)))
      .header('cache-control', 'no-store')
      .redirect(url, status);
  };

  app.get<{ Querystring: { next?: string } }>('/oauth_login', async (req, reply) => {
    const next = safeNext(req.query.next ?? '/hub/home');
    if (sessionOf(o, req)) return reply.redirect(next, 302);
    return toProvider(req, reply, next, null, 302);
  });

  app.get('/oauth_callback', async (req, reply) => {
    const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1 || req.url.length));
    const flowId = parseCookies(req.headers.cookie).get(OIDC_FLOW_COOKIE);
    const { user, next, idToken } = await o.login.complete(flowId, query);
    startSession(o, req, reply, user, o.login.settings.logoutAtProvider && idToken ? idToken : null);
    void reply.header('set-cookie', flowCookie(req, '', 0)); // appended: the flow cookie is spent
    req.log.info({ user: user.name }, 'Login:Succeeded');
    return reply.header('cache-control', 'no-store').redirect(next, 303);
  });

  app.get('/oauth_link', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    return reply.type('text/html; charset=utf-8').send(
      page(
        `Link your ${name} account`,
        html`<p>
            After this, you can log in as <strong>${s.user.name}</strong> with your ${name} account. You will
            be asked to log in there.
          </p>
          <form method="post" action="/hub/oauth_link">
            ${csrfField(s.csrf)}<button type="submit" autofocus>Link my ${name} account</button>
          </form>`,
        { user: s.user, csrf: s.csrf },
      ),
    );
  });

  app.post('/oauth_link', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    checkCsrf(s, req.body);
    return toProvider(req, reply, '/hub/home', s.user, 303);
  });
}
