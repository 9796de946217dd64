/**
 * What the proxy answers instead of the user's server: people (HTML accepted) get a page, programs a JSON
 * body in TerraHub's error shape. A stopped or dead server's page offers to start it again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { html, page } from '../pages/layout.ts';
import { serverLabel } from '../spawner/names.ts';

export type ErrorPage =
  | { kind: 'login'; next: string }
  | { kind: 'bad-token' }
  | { kind: 'forbidden'; owner: string }
  | { kind: 'not-running'; owner: string; server: string; state: string; csrf: string | null }
  | { kind: 'backend-down'; owner: string; server: string; csrf: string | null }
  | { kind: 'over-quota' };

function wantsHtml(req: IncomingMessage): boolean {
  return /text\/html/.test(req.headers.accept ?? '');
}

export function proxyErrorPage(req: IncomingMessage, res: ServerResponse, p: ErrorPage): void {
  if (p.kind === 'login' && wantsHtml(req) && req.method === 'GET') {
    res.writeHead(302, { location: `/hub/login?next=${encodeURIComponent(p.next)}` }).end();
    return;
  }
  const [status, code, title, message] =
    p.kind === 'login'
      ? [401, 'TH_UNAUTHORIZED', 'Log in first', 'Authentication is required: log in or send an API token.']
      : p.kind === 'bad-token'
        ? [401, 'TH_UNAUTHORIZED', 'Bad token', 'the API token is wrong, expired or revoked']
        : p.kind === 'forbidden'
          ? [403, 'TH_FORBIDDEN', 'Not yours', `you may not use the server of "${p.owner}"`]
          : p.kind === 'over-quota'
            ? [
                507,
                'TH_HUB_OVER_QUOTA',
                'Over quota',
                'The home directory is over its quota: delete files first.',
              ]
            : [
                503,
                'TH_HUB_SERVER_NOT_RUNNING',
                'Server not running',
                p.kind === 'backend-down'
                  ? `${serverLabel(p.owner, p.server)} does not answer; it may have stopped`
                  : `${serverLabel(p.owner, p.server)} is ${p.state}`,
              ];
  if (!wantsHtml(req)) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ status, code, message }));
    return;
  }
  const restart =
    (p.kind === 'not-running' || p.kind === 'backend-down') && p.csrf
      ? html`<form method="post" action="/hub/home/start">
          <input type="hidden" name="_csrf" value="${p.csrf}" />
          <input type="hidden" name="server" value="${p.server}" />
          <button autofocus>Start my server</button>
        </form>`
      : html``;
  const body = html`<p class="error">${message}.</p>
    ${restart}
    <p><a href="/hub/home">Go to the control panel</a></p>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page(title, body));
}
