/** Login (local users; first-use sign-up when `auth.signup` is on) and logout. */
import type { FastifyInstance } from 'fastify';
import { TerraHubError } from '../../core/errors.ts';
import {
  checkCsrf,
  checkLoginCsrf,
  endSession,
  formField,
  loginCsrf,
  safeNext,
  sessionOf,
  startSession,
  type PagesOptions,
} from './context.ts';
import { oidcButtonName, localLoginEnabled } from '../auth/oidc.config.ts';
import { html, page, raw } from './layout.ts';

export async function loginRoutes(app: FastifyInstance, o: PagesOptions): Promise<void> {
  // With OIDC on, the password form (and sign-up) may be turned off: hub.oidc.localLogin.
  const local = localLoginEnabled(o.config);
  const signup = o.config['auth.signup'] && local;
  const oidcName = o.config['hub.oidc.issuer'] ? oidcButtonName(o.config) : null;
  const refuseLocal = () => {
    if (!local) throw new TerraHubError('TH_HUB_LOCAL_LOGIN_OFF');
  };

  const oidcButton = (next: string) =>
    oidcName
      ? html`<p>
          <a
            class="button"
            href="/hub/oauth_login?next=${encodeURIComponent(next)}"
            ${local ? '' : raw('autofocus')}
            >Log in with ${oidcName}</a
          >
        </p>`
      : '';

  const passwordForm = (csrf: string, next: string) =>
    html`<form method="post" action="/hub/login">
      <input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="next" value="${next}" />
      <label>User name <input name="username" autocomplete="username" required autofocus /></label>
      <label
        >Password <input name="password" type="password" autocomplete="current-password" required
      /></label>
      <button type="submit">Log in</button>
    </form>`;

  const loginPage = (csrf: string, next: string, error = '') =>
    page(
      'Log in',
      html`${error ? html`<p class="error" role="alert">${error}</p>` : ''} ${oidcButton(next)}
      ${local ? passwordForm(csrf, next) : ''}
      ${signup ? html`<p>No account yet? <a href="/hub/signup">Sign up</a>.</p>` : ''}`,
    );

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => {
    const next = safeNext(req.query.next ?? '/hub/home');
    if (sessionOf(o, req)) return reply.redirect(next, 302);
    return reply
      .type('text/html; charset=utf-8')
      .send(loginPage(local ? loginCsrf(o, req, reply) : '', next));
  });

  app.post('/login', async (req, reply) => {
    refuseLocal();
    checkLoginCsrf(req, req.body);
    const name = formField(req.body, 'username').trim();
    const user = await o.identity.users.checkPassword(name, formField(req.body, 'password'));
    const next = safeNext(formField(req.body, 'next') || '/hub/home');
    if (!user) {
      req.log.info({ user: name }, 'Login:Failed');
      return reply
        .status(401)
        .type('text/html; charset=utf-8')
        .send(loginPage(formField(req.body, '_csrf'), next, 'Wrong user name or password.'));
    }
    startSession(o, req, reply, user);
    req.log.info({ user: user.name }, 'Login:Succeeded');
    return reply.redirect(next, 303);
  });

  app.get('/signup', async (req, reply) => {
    if (!signup) throw new TerraHubError('TH_NOT_FOUND', 'sign-up is turned off on this hub');
    const csrf = loginCsrf(o, req, reply);
    return reply.type('text/html; charset=utf-8').send(
      page(
        'Sign up',
        html`<form method="post" action="/hub/signup">
          <input type="hidden" name="_csrf" value="${csrf}" />
          <label
            >User name <input name="username" required autofocus pattern="[a-z0-9][a-z0-9._\\-]{0,63}"
          /></label>
          <label
            >Password (8 characters or more)
            <input name="password" type="password" minlength="8" required autocomplete="new-password"
          /></label>
          <button type="submit">Create account</button>
        </form>`,
      ),
    );
  });

  app.post('/signup', async (req, reply) => {
    if (!signup) throw new TerraHubError('TH_NOT_FOUND', 'sign-up is turned off on this hub');
    checkLoginCsrf(req, req.body);
    const password = formField(req.body, 'password');
    if (password.length < 8)
      throw new TerraHubError('TH_BAD_REQUEST', 'passwords need at least 8 characters');
    const user = await o.identity.users.create({ name: formField(req.body, 'username').trim(), password });
    startSession(o, req, reply, user);
    return reply.redirect('/hub/home', 303);
  });

  // JupyterLab's File > Log Out opens /hub/logout: confirm with a form, so that a link cannot log anyone out.
  app.get('/logout', async (req, reply) => {
    const s = sessionOf(o, req);
    if (!s) return reply.redirect('/hub/login', 302);
    return reply.type('text/html; charset=utf-8').send(
      page(
        'Log out',
        html`<form method="post" action="/hub/logout">
          <input type="hidden" name="_csrf" value="${s.csrf}" />
          <button type="submit" autofocus>Log out ${s.user.name}</button>
        </form>`,
        { user: s.user, csrf: s.csrf },
      ),
    );
  });

  app.post('/logout', async (req, reply) => {
    const s = sessionOf(o, req);
    if (s) checkCsrf(s, req.body);
    const idToken = endSession(o, req, reply);
    // After an OIDC login with hub.oidc.logoutAtProvider, the provider ends its session too and sends the
    // browser back to /hub/login; otherwise the next login there would pass without a password.
    const atProvider = idToken && o.hub.providerLogout ? await o.hub.providerLogout(idToken) : null;
    return reply.redirect(atProvider ?? '/hub/login', 303);
  });
}
