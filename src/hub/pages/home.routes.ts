/**
 * The control panel: server status, profile choice, Start (with live progress), Stop, a link to the server,
 * home usage with its quota, the idle warning, the log tail of a server that stopped, and named servers.
 */
import type { FastifyInstance } from 'fastify';
import { serverApiPath, serverPrefix } from '../spawner/names.ts';
import { checkCsrf, formField, requireSession, type PagesOptions } from './context.ts';
import { csrfField, html, page, raw, type Html } from './layout.ts';
import { gb, idleWarning, namedServers, profileChoice } from './servers.view.ts';

const PROGRESS_SCRIPT = raw(`<script>
(function(){var list=document.getElementById('events');var es=new EventSource(list.dataset.url);
es.onmessage=function(m){var e=JSON.parse(m.data);var li=document.createElement('li');li.textContent=e.progress+'%: '+e.message;list.appendChild(li);
if(e.ready){es.close();location.href=e.url;}if(e.failed){es.close();document.getElementById('failed').hidden=false;}};
es.onerror=function(){es.close();};})();
</script>`);

export async function homeRoutes(app: FastifyInstance, o: PagesOptions): Promise<void> {
  app.get('/', async (_req, reply) => reply.redirect('/hub/home', 302));

  app.get('/home', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    const row = o.hub.spawner.server(s.user);
    const state = row?.state ?? 'stopped';
    const home = o.hub.homes.status(s.user);
    const prefix = serverPrefix(s.user.name);
    const quota = html`<p>
        Home directory: ${gb(home.used_bytes)} of ${gb(home.quota_bytes)}
        used${home.measured_at ? html` (measured ${home.measured_at})` : ''}.
      </p>
      ${home.over_quota ? html`<p class="error" role="alert">Your home directory is over its quota. Uploads are refused until you delete files.</p>` : home.warning ? html`<p class="warn" role="status">Your home directory is over 90% of its quota.</p>` : ''}`;
    let panel: Html;
    if (state === 'running') {
      panel = html`<p class="ok">Your server is running (profile ${row!.profile}).</p>
        ${idleWarning(o, s.user, row!)}
        <p><a href="${prefix}lab">Open JupyterLab</a></p>
        <form method="post" action="/hub/home/stop">
          ${csrfField(s.csrf)}<button type="submit">Stop my server</button>
        </form>`;
    } else if (state === 'pending' || state === 'stopping') {
      panel = html`<p>
        Your server is ${state === 'pending' ? 'starting' : 'stopping'}.
        <a href="/hub/spawn-pending">Follow its progress</a>.
      </p>`;
    } else {
      const last = row?.stopReason
        ? html`<p>Last stop: ${row.stopReason}${row.stoppedAt ? ` (${row.stoppedAt})` : ''}.</p>
            ${
              row.logTail
                ? html`<details>
                    <summary>Server log (last lines)</summary>
                    <pre>${row.logTail}</pre>
                  </details>`
                : ''
            }`
        : html``;
      panel = html`<p>Your server is not running.</p>
        ${last}
        <form method="post" action="/hub/home/start">
          ${csrfField(s.csrf)} ${profileChoice(o)}
          <button type="submit">Start my server</button>
        </form>`;
    }
    return reply.type('text/html; charset=utf-8').send(
      page(`Hello, ${s.user.name}`, html`${panel}${quota}${namedServers(o, s.user, s.csrf)}`, {
        user: s.user,
        csrf: s.csrf,
      }),
    );
  });

  app.post('/home/start', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    checkCsrf(s, req.body);
    const server = formField(req.body, 'server').trim();
    const profile = formField(req.body, 'profile') || undefined;
    const { alreadyRunning } = o.hub.spawner.start(s.user, profile, server);
    const pending = server ? `/hub/spawn-pending?server=${encodeURIComponent(server)}` : '/hub/spawn-pending';
    return reply.redirect(alreadyRunning ? `${serverPrefix(s.user.name, server)}lab` : pending, 303);
  });

  app.post('/home/stop', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    checkCsrf(s, req.body);
    const server = formField(req.body, 'server');
    o.hub.spawner.stop(s.user, 'stopped from the control panel', server);
    await Promise.race([o.hub.spawner.settled(s.user, server), new Promise((r) => setTimeout(r, 10_000))]);
    return reply.redirect('/hub/home', 303);
  });

  app.post('/home/remove', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    checkCsrf(s, req.body);
    o.hub.spawner.remove(s.user, formField(req.body, 'server'));
    return reply.redirect('/hub/home', 303);
  });

  app.get<{ Querystring: { server?: string } }>('/spawn-pending', async (req, reply) => {
    const s = requireSession(o, req, reply);
    if (!s) return reply;
    const server = req.query.server ?? '';
    const state = o.hub.spawner.server(s.user, server)?.state;
    if (state === 'running') return reply.redirect(`${serverPrefix(s.user.name, server)}lab`, 302);
    const url = `${serverApiPath(s.user.name, server)}/progress`;
    const which = server ? `Server "${server}" is` : 'Your server is';
    const body = html`<p>
        ${which} starting. This page follows its progress and opens JupyterLab when it is ready.
      </p>
      <ol id="events" data-url="${url}" aria-live="polite"></ol>
      <p id="failed" hidden class="error">
        The start failed. <a href="/hub/home">Back to the control panel</a>.
      </p>
      <noscript
        ><meta http-equiv="refresh" content="3" />
        <p>Without JavaScript this page reloads every 3 seconds.</p></noscript
      >
      ${PROGRESS_SCRIPT}`;
    return reply
      .type('text/html; charset=utf-8')
      .send(page('Starting your server', body, { user: s.user, csrf: s.csrf }));
  });
}
