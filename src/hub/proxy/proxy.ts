/**
 * The in-process proxy for `/user/{name}/...`: HTTP and WebSocket to the user's Jupyter server on 127.0.0.1,
 * with the hub's access check in front. It runs on the origin's node:http server ahead of Fastify, so bodies
 * stream in both directions unparsed and unbuffered. The hub's cookies and the caller's Authorization header
 * are removed and the server's own secret token is sent instead, so the Jupyter server trusts only the hub.
 * `/user/{name}/{server}/` goes to the user's named server of that name when there is one (any state: a
 * stopped one answers 503), everything else under `/user/{name}/` to the default server.
 */
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Identity, User } from '../../core/identity/index.ts';
import type { Logger } from '../../core/log.ts';
import { HUB_COOKIE, USER_COOKIE, type Sessions } from '../sessions.ts';
import { serverKey } from '../spawner/names.ts';
import type { Spawner } from '../spawner/spawner.ts';
import type { ActivityTracker } from './activity.ts';
import { decideAccess, ownerOf, segmentAfterOwner } from './access.ts';
import { proxyErrorPage, type ErrorPage } from './pages.ts';
import { Relay, type RelayedSocket } from './relay.ts';

export interface ProxyDeps {
  identity: Identity;
  sessions: Sessions;
  spawner: Spawner;
  activity: ActivityTracker;
  log: Logger;
  /** True when the user's home is over quota: uploads are refused. */
  overQuota: (user: User) => boolean;
  /** Whether the origin is served over https (for X-Forwarded-Proto). */
  secure: boolean;
  /** 'js' relays WebSockets in JavaScript even when the native relay is built (tests, comparisons). */
  relay?: 'native' | 'js';
}

/** Set by the proxy itself: a caller's own values are dropped. */
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

function stripCookies(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${HUB_COOKIE}=`) && !c.startsWith(`${USER_COOKIE}=`));
  return kept.length ? kept.join('; ') : undefined;
}

/** Where a request goes: a server of `owner` ('' is the default server); `key` is its serverKey. */
type Target = { owner: User; server: string; key: string; port: number; secret: string; caller: User };

/**
 * How long an access decision is reused for the same credential and server. Looking a token or session up
 * costs several database reads; a browser or a script sends many requests a second. The price: a revoked
 * token or ended session keeps working for at most this long on a server it was just using.
 */
const DECISION_TTL_MS = 1000;

export class UserProxy {
  private agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private sockets = new Set<RelayedSocket>();
  private relay: Relay;
  private decisions = new Map<string, { until: number; target: Target }>();

  constructor(private readonly d: ProxyDeps) {
    this.relay = new Relay(d.activity, d.relay ?? 'native');
    if (this.relay.mode === 'native') d.log.info({ relay: 'native' }, 'Proxy:WebSocketRelay');
    else d.log.info({ relay: 'js', why: this.relay.why }, 'Proxy:WebSocketRelay');
  }

  /** How WebSockets are relayed: 'native' (the addon's thread) or 'js' (piped sockets). */
  get relayMode(): 'native' | 'js' {
    return this.relay.mode;
  }

  handles(url: string | undefined): boolean {
    return !!url && url.startsWith('/user/');
  }

  /** Access check and target lookup; renders the refusal itself and returns null when not allowed. */
  private resolve(req: IncomingMessage, fail: (p: ErrorPage) => void): Target | null {
    const name = ownerOf(req.url ?? '');
    const segment = segmentAfterOwner(req.url ?? '') ?? '';
    const key = `${req.headers.cookie ?? ''}\0${req.headers.authorization ?? ''}\0${name ?? ''}\0${segment}`;
    const now = Date.now();
    const hit = this.decisions.get(key);
    if (hit && hit.until > now) return hit.target;
    const target = this.decide(req, name, segment, fail);
    if (target) {
      if (this.decisions.size > 10_000) this.decisions.clear(); // bounded; entries live a second anyway
      this.decisions.set(key, { until: now + DECISION_TTL_MS, target });
    } else {
      this.decisions.delete(key);
    }
    return target;
  }

  /** Forgets cached decisions for a user's server (it stopped or moved). */
  forget(owner: string): void {
    for (const [k, v] of this.decisions) if (v.target.owner.name === owner) this.decisions.delete(k);
  }

  /** The named server a path segment names, if the owner has one by that name; else the default server. */
  private serverNamed(owner: User, segment: string): string {
    return segment && this.d.spawner.server(owner, segment) ? segment : '';
  }

  private decide(
    req: IncomingMessage,
    name: string | null,
    segment: string,
    fail: (p: ErrorPage) => void,
  ): Target | null {
    const owner = name ? this.d.identity.users.find(name) : null;
    const server = owner ? this.serverNamed(owner, segment) : '';
    const row = owner ? this.d.spawner.server(owner, server) : null;
    const access = decideAccess(req, name ?? '', {
      identity: this.d.identity,
      sessions: this.d.sessions,
      serverSecret: row?.secret ?? null,
    });
    if (access.kind === 'anonymous') return (fail({ kind: 'login', next: req.url ?? '/hub/home' }), null);
    if (access.kind === 'bad-token') return (fail({ kind: 'bad-token' }), null);
    if (access.kind === 'forbidden' || !owner) return (fail({ kind: 'forbidden', owner: name ?? '' }), null);
    if (row?.state !== 'running' || !row.port || !row.secret) {
      const state = row?.state ?? 'stopped';
      // The page's Start button starts the caller's own server: offered to the owner only.
      const csrf = access.caller.id === owner.id ? access.csrf : null;
      return (fail({ kind: 'not-running', owner: owner.name, server, state, csrf }), null);
    }
    const key = serverKey(owner.id, server);
    return { owner, server, key, port: row.port, secret: row.secret, caller: access.caller };
  }

  /**
   * The request's headers for the user's server, as a flat [name, value, ...] list built from the raw
   * headers (Node writes such a list as it is, without an object to build and check per request).
   */
  private headersFor(req: IncomingMessage, t: Target, upgrade: boolean): string[] {
    const h: string[] = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      if (k === 'authorization' || k === 'cookie' || FORWARDED.has(k)) continue;
      if (!upgrade && HOP_BY_HOP.has(k)) continue;
      h.push(raw[i]!, raw[i + 1]!);
    }
    const cookies = stripCookies(req.headers.cookie);
    if (cookies) h.push('cookie', cookies);
    h.push('authorization', `token ${t.secret}`);
    h.push('x-forwarded-for', req.socket.remoteAddress ?? '');
    h.push('x-forwarded-proto', this.d.secure ? 'https' : 'http');
    if (req.headers.host) h.push('x-forwarded-host', req.headers.host);
    return h;
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const name = ownerOf(url);
    if (name && url === `/user/${encodeURIComponent(name)}`) {
      res.writeHead(302, { location: `${url}/` }).end();
      return;
    }
    const t = this.resolve(req, (p) => proxyErrorPage(req, res, p));
    if (!t) return;
    if (t.server && url === `/user/${encodeURIComponent(t.owner.name)}/${t.server}`) {
      req.resume();
      res.writeHead(302, { location: `${url}/` }).end();
      return;
    }
    const writes = /^(PUT|POST|PATCH)$/.test(req.method ?? '') && url.includes('/api/contents');
    if (writes && this.d.overQuota(t.owner)) {
      req.resume();
      proxyErrorPage(req, res, { kind: 'over-quota' });
      return;
    }
    this.d.activity.note(t.key, 0, 0); // a request in flight is activity, even a slow one
    const body = !!req.headers['transfer-encoding'] || Number(req.headers['content-length'] ?? 0) > 0;
    if (body) req.on('data', (c: Buffer) => this.d.activity.note(t.key, c.length, 0));
    else req.resume(); // nothing to send on: no pipe to set up
    this.forward(req, res, t, body, true);
  }

  /**
   * Sends the request on. A kept-alive backend connection may have been closed by the server just as it was
   * reused; a request with no body (GET, HEAD, OPTIONS, DELETE) is then retried once on a new connection.
   */
  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    t: Target,
    body: boolean,
    mayRetry: boolean,
  ): void {
    const uid = t.key;
    const up = request({
      host: '127.0.0.1',
      port: t.port,
      method: req.method,
      path: req.url,
      headers: this.headersFor(req, t, false),
      agent: this.agent,
    });
    up.on('response', (r) => {
      const headers: string[] = [];
      const raw = r.rawHeaders;
      for (let i = 0; i < raw.length; i += 2)
        if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
      res.writeHead(r.statusCode ?? 502, r.statusMessage, headers);
      // A body of known length is counted at once; a chunked one as it streams.
      const length = Number(r.headers['content-length']);
      if (length >= 0) this.d.activity.note(uid, 0, length);
      else r.on('data', (c: Buffer) => this.d.activity.note(uid, 0, c.length));
      r.pipe(res);
    });
    up.on('error', (e) => {
      const bodyless = /^(GET|HEAD|OPTIONS|DELETE)$/.test(req.method ?? '');
      if (mayRetry && up.reusedSocket && bodyless && !res.headersSent) {
        this.forward(req, res, t, body, false);
        return;
      }
      this.d.log.warn({ user: t.owner.name, err: e.message }, 'Proxy:BackendError');
      this.forget(t.owner.name);
      void this.d.spawner.reconcile();
      if (!res.headersSent)
        proxyErrorPage(req, res, { kind: 'backend-down', owner: t.owner.name, server: t.server, csrf: null });
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    if (body && mayRetry) req.pipe(up);
    else up.end();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const t = this.resolve(req, (p) =>
      p.kind === 'login' || p.kind === 'bad-token'
        ? refuse(401, 'Unauthorized')
        : p.kind === 'forbidden'
          ? refuse(403, 'Forbidden')
          : refuse(503, 'Service Unavailable'),
    );
    if (!t) return;
    socket.on('error', () => socket.destroy());
    const up = request({
      host: '127.0.0.1',
      port: t.port,
      method: req.method,
      path: req.url,
      headers: this.headersFor(req, t, true),
    });
    up.on('upgrade', (r, backend, backendHead) => {
      let head101 = `HTTP/1.1 101 ${r.statusMessage ?? 'Switching Protocols'}\r\n`;
      for (let i = 0; i < r.rawHeaders.length; i += 2)
        head101 += `${r.rawHeaders[i]}: ${r.rawHeaders[i + 1]}\r\n`;
      // Header bytes as Node read them (latin1), then whatever the server sent right after them.
      const toClient = Buffer.concat([Buffer.from(`${head101}\r\n`, 'latin1'), backendHead]);
      const relayed = this.relay.start(t.key, socket, backend, head, toClient, () =>
        this.sockets.delete(relayed),
      );
      this.sockets.add(relayed);
    });
    up.on('response', (r) => {
      // The server refused the upgrade: pass its answer on as it is.
      let h = `HTTP/1.1 ${r.statusCode} ${r.statusMessage}\r\n`;
      for (let i = 0; i < r.rawHeaders.length; i += 2) h += `${r.rawHeaders[i]}: ${r.rawHeaders[i + 1]}\r\n`;
      socket.write(h + '\r\n');
      r.pipe(socket);
    });
    up.on('error', () => refuse(503, 'Service Unavailable'));
    up.end();
  }

  /** Closes open WebSockets and idle backend connections (TerraHub is stopping). */
  close(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.agent.destroy();
  }
}
