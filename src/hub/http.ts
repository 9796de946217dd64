/**
 * The hub on the origin (app.ts slot 7): the browser session as a principal, the servers API, the pages,
 * and the proxy for /user/. The proxy is mounted on the origin's node:http server ahead of Fastify: proxied
 * requests are streamed as they come, with no body parsing, no Fastify hooks and their own access check.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../core/config/keys.ts';
import { ownerScopes, type Identity, type Principal } from '../core/identity/index.ts';
import type { Logger } from '../core/log.ts';
import type { UserModelExtra } from './api/users.routes.ts';
import { serverModel, serversRoutes } from './api/servers.routes.ts';
import { hubPages } from './pages/index.ts';
import { UserProxy } from './proxy/proxy.ts';
import type { HubService } from './service.ts';
import { HUB_COOKIE, parseCookies } from './sessions.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser session is a principal with its user's scopes. On the hub API, a state-changing request made
 * with the cookie must also carry the session's CSRF token in `X-CSRF-Token` (pages check their forms).
 */
function sessionResolver(hub: HubService) {
  return (req: FastifyRequest): Principal | null => {
    const session = hub.sessions.byHubSecret(parseCookies(req.headers.cookie).get(HUB_COOKIE));
    if (!session) return null;
    if (
      !SAFE.has(req.method) &&
      req.url.startsWith('/hub/api/') &&
      req.headers['x-csrf-token'] !== session.csrf
    ) {
      return null;
    }
    return { user: session.user, scopes: ownerScopes(session.user), tokenId: null };
  };
}

function mountProxy(server: Server, proxy: UserProxy): void {
  const fastifyHandlers = server.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (proxy.handles(req.url)) proxy.handleRequest(req, res);
    else for (const h of fastifyHandlers) h.call(server, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (proxy.handles(req.url)) proxy.handleUpgrade(req, socket, head);
    else if (server.listenerCount('upgrade') === 1) socket.destroy(); // nobody else takes WebSockets here
  });
}

export async function hubHttp(
  origin: FastifyInstance,
  s: { config: Config; identity: Identity; log: Logger },
  hub: HubService,
  userModelExtras: UserModelExtra[],
): Promise<void> {
  origin.addPrincipalResolver(sessionResolver(hub));
  userModelExtras.push((user) => serverModel(hub, user));
  await origin.register(serversRoutes, { prefix: '/hub/api', hub, identity: s.identity });
  await origin.register(hubPages, { prefix: '/hub', hub, identity: s.identity, config: s.config });
  const proxy = new UserProxy({
    identity: s.identity,
    sessions: hub.sessions,
    spawner: hub.spawner,
    activity: hub.activity,
    log: s.log,
    overQuota: (u) => hub.homes.overQuota(u),
    secure: s.config.publicUrl.startsWith('https:'),
    relay: s.config['hub.wsRelay'],
  });
  hub.spawner.onChange((user) => proxy.forget(user));
  mountProxy(origin.server, proxy);
  origin.addHook('preClose', async () => proxy.close());
  await hub.start();
}
