/**
 * Pieces of the control panel that show servers: the idle warning, the profile choice, and the table of a
 * user's named servers with Start/Stop/Delete and the "new named server" form.
 */
import type { User } from '../../core/identity/index.ts';
import { serverKey, serverPrefix } from '../spawner/names.ts';
import type { ServerRow } from '../store.ts';
import type { PagesOptions } from './context.ts';
import { csrfField, html, type Html } from './layout.ts';

export const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;

/** The idle warning: shown when the culler will stop the server within ten minutes. */
export function idleWarning(o: PagesOptions, user: User, row: ServerRow): Html {
  let profile;
  try {
    profile = o.hub.spawner.profile(row.profile);
  } catch {
    return html``;
  }
  const seen = o.hub.activity.get(serverKey(user.id, row.name))?.lastMs ?? 0;
  const last = Math.max(Date.parse(row.lastActivity ?? '') || 0, seen);
  if (!profile.idleTimeoutMs || !last) return html``;
  const left = last + profile.idleTimeoutMs - Date.now();
  if (left > 10 * 60e3) return html``;
  const which = row.name ? `Server "${row.name}" has` : 'Your server has';
  return html`<p class="warn" role="status">
    ${which} been idle and will be stopped in about ${Math.max(0, Math.ceil(left / 60e3))} minute(s) unless
    you use it.
  </p>`;
}

/** Radio buttons for the profiles (the first checked). */
export function profileChoice(o: PagesOptions): Html {
  const items = o.hub.spawner.profiles.map(
    (p, i) =>
      html`<label
        ><input type="radio" name="profile" value="${p.name}" ${i === 0 ? 'checked' : ''} />
        <strong>${p.name}</strong>: ${p.description} (${p.cpus ? `${p.cpus} CPU` : 'no CPU limit'},
        ${p.memoryBytes ? gb(p.memoryBytes) : 'no memory limit'})</label
      >`,
  );
  return html`<fieldset>
    <legend>Profile</legend>
    ${items}
  </fieldset>`;
}

function action(csrf: string, what: 'start' | 'stop' | 'remove', server: string, label: string): Html {
  return html`<form class="inline" method="post" action="/hub/home/${what}">
    ${csrfField(csrf)}<input type="hidden" name="server" value="${server}" /><button>${label}</button>
  </form>`;
}

/** The named servers table and the form that makes a new one (nothing when named servers are off). */
export function namedServers(o: PagesOptions, user: User, csrf: string): Html {
  const limit = o.hub.spawner.namedServerLimit;
  if (limit <= 0) return html``;
  const rows = o.hub.spawner.servers(user).filter((r) => r.name);
  const active = rows.filter((r) => r.state !== 'stopped').length;
  const body = rows.map((r) => {
    const prefix = serverPrefix(user.name, r.name);
    const status =
      r.state === 'running'
        ? html`<span class="ok">running</span> <a href="${prefix}lab">Open ${r.name}</a>`
        : r.state === 'stopped'
          ? html`stopped${r.stopReason ? html`<br /><small>${r.stopReason}</small>` : ''}`
          : html`${r.state} <a href="/hub/spawn-pending?server=${r.name}">progress</a>`;
    const actions =
      r.state === 'running'
        ? action(csrf, 'stop', r.name, `Stop ${r.name}`)
        : r.state === 'stopped'
          ? html`${action(csrf, 'start', r.name, `Start ${r.name}`)}
            ${action(csrf, 'remove', r.name, `Delete ${r.name}`)}`
          : html``;
    return html`<tr>
      <td>${r.name}</td>
      <td>${r.profile}</td>
      <td>${status}${r.state === 'running' ? idleWarning(o, user, r) : ''}</td>
      <td>${actions}</td>
    </tr>`;
  });
  const table = rows.length
    ? html`<table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Profile</th>
            <th>Status</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          ${body}
        </tbody>
      </table>`
    : html`<p>You have no named servers.</p>`;
  const form =
    active < limit
      ? html`<form method="post" action="/hub/home/start">
          ${csrfField(csrf)}
          <label
            >Server name
            <input name="server" required pattern="[a-z0-9][a-z0-9_\\-]{0,31}" autocomplete="off"
          /></label>
          ${profileChoice(o)}
          <button type="submit">Start a new named server</button>
        </form>`
      : html`<p>You have ${active} named servers running, the most allowed: stop one to start another.</p>`;
  return html`<h2>Named servers</h2>
    <p>
      Besides your default server you may run up to ${limit} named servers at once, each at
      <code>/user/${user.name}/{name}/</code> with the same home directory.
    </p>
    ${table}
    <h3>New named server</h3>
    ${form}`;
}
