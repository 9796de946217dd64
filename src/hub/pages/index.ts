/**
 * The hub's pages under /hub/: login, control panel, token page, admin page, logout. HTML forms are parsed
 * here (urlencoded), and errors are HTML pages for people, in this plugin's scope only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logError } from '../../core/http/errors.ts';
import { toTerraHubError } from '../../core/errors.ts';
import { adminRoutes } from './admin.routes.ts';
import { sessionOf, type PagesOptions } from './context.ts';
import { homeRoutes } from './home.routes.ts';
import { html, page } from './layout.ts';
import { loginRoutes } from './login.routes.ts';
import { tokenRoutes } from './token.routes.ts';

function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const have = out[k];
    out[k] = have === undefined ? v : Array.isArray(have) ? [...have, v] : [have, v];
  }
  return out;
}

export async function hubPages(app: FastifyInstance, o: PagesOptions): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });
  app.setErrorHandler((raw: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const e = toTerraHubError(raw);
    logError(req, raw, e);
    const s = sessionOf(o, req);
    const body = html`<p class="error" role="alert">${e.message}</p>
      <p><a href="/hub/home">Back to the control panel</a></p>`;
    void reply
      .status(e.status)
      .type('text/html; charset=utf-8')
      .send(
        page(
          e.status === 403 ? 'Not allowed' : e.status === 404 ? 'Not found' : 'Something went wrong',
          body,
          { user: s?.user ?? null, csrf: s?.csrf ?? '' },
        ),
      );
  });
  const hide = { schema: { hide: true } };
  app.addHook('onRoute', (r) => {
    r.schema = { ...(r.schema ?? {}), ...hide.schema };
  });
  const opts: PagesOptions = { hub: o.hub, identity: o.identity, config: o.config }; // not `prefix`: applied already
  await app.register(loginRoutes, opts);
  await app.register(homeRoutes, opts);
  await app.register(tokenRoutes, opts);
  await app.register(adminRoutes, opts);
}
