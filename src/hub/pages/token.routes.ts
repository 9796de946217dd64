/** The token page: create API tokens (note, scopes, expiry; shown once) and revoke them. */
import type { FastifyInstance } from 'fastify';
import { ownerScopes, SCOPES } from '../../core/identity/index.ts';
import { checkCsrf, formField, formList, requireSession, type PagesOptions } from './context.ts';
import { csrfField, html, page, type Html } from './layout.ts';

export async function tokenRoutes(app: FastifyInstance, o: PagesOptions): Promise<void> {
  const render = (
    req: Parameters<typeof requireSession>[1],
    reply: Parameters<typeof requireSession>[2],
    made?: string,
  ) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    const held = ownerScopes(s.user);
    const scopes = (Object.keys(SCOPES) as (keyof typeof SCOPES)[])
      .filter((k) => held.has(k))
      .map(
        (k) =>
          html`<label
            ><input type="checkbox" name="scopes" value="${k}" /> <code>${k}</code>: ${SCOPES[k]}</label
          >`,
      );
    const rows = o.identity.tokens.list(s.user).map(
      (t) =>
        html`<tr>
          <td><code>${t.prefix}...</code></td>
          <td>${t.note}</td>
          <td>${t.scopes.join(', ')}</td>
          <td>${t.created}</td>
          <td>${t.expires_at ?? 'never'}</td>
          <td>${t.last_activity ?? '-'}</td>
          <td>
            <form class="inline" method="post" action="/hub/token/revoke">
              ${csrfField(s.csrf)}<input type="hidden" name="id" value="${t.id}" /><button>Revoke</button>
            </form>
          </td>
        </tr>`,
    );
    const shown: Html = made
      ? html`<p class="ok" role="status">
          Your new token (copy it now, it is shown only once): <code id="new-token">${made}</code>
        </p>`
      : html``;
    const body = html`${shown}
      <h2>New token</h2>
      <form method="post" action="/hub/token">
        ${csrfField(s.csrf)}
        <label>Note <input name="note" maxlength="200" /></label>
        <label
          >Expires in
          <select name="expires_in">
            <option value="0">never</option>
            <option value="86400">1 day</option>
            <option value="604800">7 days</option>
            <option value="2592000">30 days</option>
          </select></label
        >
        <fieldset>
          <legend>Scopes (none checked: all of yours)</legend>
          ${scopes}
        </fieldset>
        <button type="submit">Create token</button>
      </form>
      <h2>Your tokens</h2>
      <table>
        <thead>
          <tr>
            <th>Token</th>
            <th>Note</th>
            <th>Scopes</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`;
    return reply
      .type('text/html; charset=utf-8')
      .send(page('API tokens', body, { user: s.user, csrf: s.csrf }));
  };

  app.get('/token', async (req, reply) => render(req, reply));

  app.post('/token', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    checkCsrf(s, req.body);
    const { token } = o.identity.tokens.create(s.user, {
      note: formField(req.body, 'note'),
      scopes: formList(req.body, 'scopes'),
      expiresIn: Number(formField(req.body, 'expires_in') || 0),
    });
    return render(req, reply, token);
  });

  app.post('/token/revoke', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    checkCsrf(s, req.body);
    o.identity.tokens.revoke(s.user, formField(req.body, 'id'));
    return reply.redirect('/hub/token', 303);
  });
}
