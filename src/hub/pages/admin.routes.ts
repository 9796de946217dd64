/** The admin page: users, their servers and named servers (start/stop any), home usage, add and remove users. */
import type { FastifyInstance } from 'fastify';
import type { User } from '../../core/identity/index.ts';
import { serverPrefix } from '../spawner/names.ts';
import { checkCsrf, formField, requireAdminSession, requireSession, type PagesOptions } from './context.ts';
import { csrfField, html, page, type Html } from './layout.ts';

/** The user's named servers, one line each with its state and a Stop button while it runs. */
function namedLines(o: PagesOptions, u: User, csrf: string): Html[] {
  return o.hub.spawner
    .servers(u)
    .filter((r) => r.name)
    .map(
      (r) =>
        html`<br />${r.name}:
          ${r.state}${
            r.state === 'running'
              ? html` <a href="${serverPrefix(u.name, r.name)}">open</a>
                  <form class="inline" method="post" action="/hub/admin/users/${u.name}/stop">
                    ${csrfField(csrf)}<input type="hidden" name="server" value="${r.name}" /><button>
                      Stop ${u.name}/${r.name}
                    </button>
                  </form>`
              : ''
          }`,
    );
}

export async function adminRoutes(app: FastifyInstance, o: PagesOptions): Promise<void> {
  app.get('/admin', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    requireAdminSession(s);
    const rows = o.identity.users.list().map((u) => {
      const row = o.hub.spawner.server(u);
      const state = row?.state ?? 'stopped';
      const home = o.hub.homes.status(u);
      const act = (what: 'start' | 'stop' | 'delete', label: string) =>
        html`<form class="inline" method="post" action="/hub/admin/users/${u.name}/${what}">
          ${csrfField(s.csrf)}<button>${label} ${u.name}</button>
        </form>`;
      return html`<tr>
        <td>${u.name}${u.admin ? ' (admin)' : ''}</td>
        <td>
          ${state}${state === 'running' ? html` <a href="${serverPrefix(u.name)}">open</a>` : ''}${row?.limits ? html`<br /><small>limits: ${row.limits}</small>` : ''}${namedLines(o, u, s.csrf)}
        </td>
        <td>
          ${(home.used_bytes / 1e9).toFixed(2)} / ${(home.quota_bytes / 1e9).toFixed(0)}
          GB${home.over_quota ? ' (over quota)' : ''}
        </td>
        <td>${u.lastActivity ?? '-'}</td>
        <td>
          ${state === 'running' ? act('stop', 'Stop') : state === 'stopped' ? act('start', 'Start') : ''}
          ${u.name !== s.user.name ? act('delete', 'Delete') : ''}
        </td>
      </tr>`;
    });
    const body = html`<p>
        Resource limits: ${o.hub.limitsMode}. Servers run as
        ${o.hub.unixUsers ? 'one Unix account per user (terrahub-{name})' : "TerraHub's own Unix account (development mode)"}.
      </p>
      <table>
        <thead>
          <tr>
            <th>User</th>
            <th>Server</th>
            <th>Home</th>
            <th>Last activity</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <h2>Add a user</h2>
      <form method="post" action="/hub/admin/users">
        ${csrfField(s.csrf)}
        <label>Name <input name="name" required pattern="[a-z0-9][a-z0-9._\\-]{0,63}" /></label>
        <label
          >Password (8 characters or more)
          <input name="password" type="password" minlength="8" autocomplete="new-password"
        /></label>
        <label><input type="checkbox" name="admin" value="1" /> Admin</label
        ><button type="submit">Add user</button>
      </form>`;
    return reply.type('text/html; charset=utf-8').send(page('Admin', body, { user: s.user, csrf: s.csrf }));
  });

  app.post('/admin/users', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    requireAdminSession(s);
    checkCsrf(s, req.body);
    const password = formField(req.body, 'password');
    await o.identity.users.create({
      name: formField(req.body, 'name').trim(),
      admin: formField(req.body, 'admin') === '1',
      ...(password ? { password } : {}),
    });
    return reply.redirect('/hub/admin', 303);
  });

  app.post<{ Params: { name: string; action: string } }>('/admin/users/:name/:action', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    requireAdminSession(s);
    checkCsrf(s, req.body);
    const user = o.identity.users.get(req.params.name);
    switch (req.params.action) {
      case 'start':
        o.hub.spawner.start(user);
        break;
      case 'stop':
        o.hub.spawner.stop(user, `stopped by admin ${s.user.name}`, formField(req.body, 'server'));
        break;
      case 'delete':
        await o.hub.spawner.stopUser(user, 'user deleted');
        o.identity.users.remove(user.name);
        break;
      default:
        return reply.callNotFound();
    }
    return reply.redirect('/hub/admin', 303);
  });
}
