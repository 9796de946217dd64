/**
 * Test helpers for the hub: a cookie jar that respects cookie paths (as a browser does), the login form
 * with its CSRF token, form posts, the progress stream, and Jupyter's kernel and terminal WebSockets.
 */
import { join } from 'node:path';
import WebSocket from 'ws';

/** The test venv's jupyter (tests/requirements.txt installs JupyterLab there). */
export const TEST_JUPYTER = join(import.meta.dirname, '..', '..', '.venv', 'bin', 'jupyter');

export class Browser {
  private jar = new Map<string, { value: string; path: string }>();

  constructor(readonly base: string) {}

  cookieFor(path: string): string {
    return [...this.jar]
      .filter(([, c]) => path.startsWith(c.path))
      .map(([k, c]) => `${k}=${c.value}`)
      .join('; ');
  }

  /** The raw Set-Cookie values of the last response (to check their attributes). */
  lastSetCookies: string[] = [];

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const c = this.cookieFor(path);
    if (c) headers.set('cookie', c);
    if (!headers.has('accept')) headers.set('accept', 'text/html,*/*');
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    this.lastSetCookies = res.headers.getSetCookie();
    for (const sc of this.lastSetCookies) {
      const [pair, ...attrs] = sc.split(';').map((x) => x.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      if (!value || attrs.some((a) => a.toLowerCase() === 'max-age=0')) this.jar.delete(name);
      else this.jar.set(name, { value, path });
    }
    return res;
  }

  /** The `_csrf` value of the first form on a page. */
  async csrf(path: string): Promise<string> {
    const body = await (await this.fetch(path)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(body);
    if (!m) throw new Error(`no CSRF field on ${path}`);
    return m[1]!;
  }

  post(path: string, form: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  async login(user: string, password: string): Promise<Response> {
    const csrf = await this.csrf('/hub/login');
    return this.post('/hub/login', { _csrf: csrf, username: user, password, next: '/hub/home' });
  }

  /** Follows the progress stream until a ready or failed event; returns all events. */
  async progress(
    user: string,
  ): Promise<Array<{ progress: number; message: string; ready?: boolean; failed?: boolean }>> {
    const res = await this.fetch(`/hub/api/users/${user}/server/progress`, {
      headers: { accept: 'text/event-stream' },
    });
    if (res.status !== 200) throw new Error(`progress: ${res.status} ${await res.text()}`);
    const text = await res.text(); // the stream ends after the last event
    return text
      .split('\n\n')
      .filter((b) => b.startsWith('data: '))
      .map(
        (b) =>
          JSON.parse(b.slice(6)) as { progress: number; message: string; ready?: boolean; failed?: boolean },
      );
  }

  ws(path: string, headers: Record<string, string> = {}): WebSocket {
    const c = this.cookieFor(path);
    return new WebSocket(this.base.replace(/^http/, 'ws') + path, {
      headers: { ...(c ? { cookie: c } : {}), ...headers },
    });
  }
}

/** Resolves when the socket opens; rejects with the HTTP status when the upgrade is refused. */
export function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Executes `code` on a kernel over its channels WebSocket and returns the text/plain result. */
export async function execute(ws: WebSocket, code: string): Promise<string> {
  const msgId = `test-${Math.random().toString(36).slice(2)}`;
  const result = new Promise<string>((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse((data as Buffer).toString('utf8')) as {
        msg_type: string;
        parent_header?: { msg_id?: string };
        content: { data?: Record<string, string>; ename?: string; evalue?: string };
      };
      if (msg.parent_header?.msg_id !== msgId) return;
      if (msg.msg_type === 'execute_result') {
        ws.off('message', onMessage);
        resolve(msg.content.data?.['text/plain'] ?? '');
      } else if (msg.msg_type === 'error') {
        ws.off('message', onMessage);
        reject(new Error(`${msg.content.ename}: ${msg.content.evalue}`));
      }
    };
    ws.on('message', onMessage);
  });
  ws.send(
    JSON.stringify({
      header: {
        msg_id: msgId,
        msg_type: 'execute_request',
        username: 'test',
        session: 'test',
        version: '5.3',
        date: new Date().toISOString(),
      },
      parent_header: {},
      metadata: {},
      content: {
        code,
        silent: false,
        store_history: false,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      },
      channel: 'shell',
      buffers: [],
    }),
  );
  return result;
}

/** Sends a line to a terminal WebSocket and collects its output until `until` matches. */
export function terminalRun(ws: WebSocket, line: string, until: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    ws.on('message', (data: WebSocket.RawData) => {
      const [kind, text] = JSON.parse((data as Buffer).toString('utf8')) as [string, string];
      if (kind === 'stdout') out += text;
      if (until.test(out)) resolve(out);
    });
    ws.send(JSON.stringify(['stdin', `${line}\r`]));
  });
}
