/**
 * Users' servers in the hub API, shaped like JupyterHub's: POST/DELETE /users/{name}/server for the default
 * server, POST/DELETE /users/{name}/servers/{server} for named ones, and a progress event stream for each,
 * so that JupyterHub-style scripts work against TerraHub.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireSelfOrAdmin } from '../../core/http/auth.ts';
import { TerraHubError } from '../../core/errors.ts';
import type { Identity, User } from '../../core/identity/index.ts';
import type { HubService } from '../service.ts';
import { checkServerName, serverApiPath, serverKey, serverPrefix } from '../spawner/names.ts';
import type { ProgressEvent } from '../spawner/progress.ts';
import type { ServerRow } from '../store.ts';

/** How long POST/DELETE wait for the start or stop to finish before answering 202 (JupyterHub: 10 s). */
const SLOW_MS = 10_000;

const userParams = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
} as const;
const serverParams = {
  type: 'object',
  properties: { name: { type: 'string' }, server: { type: 'string' } },
  required: ['name', 'server'],
} as const;
const startBody = {
  type: 'object',
  properties: { profile: { type: 'string' } },
  additionalProperties: false,
  nullable: true,
} as const;
const stopBody = {
  type: 'object',
  properties: { remove: { type: 'boolean' } },
  additionalProperties: false,
  nullable: true,
} as const;

type Params = { name: string; server?: string };

/** One server as JupyterHub's user model shows it in `servers`. */
function oneServer(hub: HubService, user: User, row: ServerRow): Record<string, unknown> {
  const activity = hub.activity.get(serverKey(user.id, row.name));
  const last = Math.max(Date.parse(row.lastActivity ?? '') || 0, activity?.lastMs ?? 0);
  return {
    name: row.name,
    profile: row.profile,
    ready: row.state === 'running',
    pending: row.state === 'pending' ? 'spawn' : row.state === 'stopping' ? 'stop' : null,
    stopped: row.state === 'stopped',
    url: serverPrefix(user.name, row.name),
    progress_url: `${serverApiPath(user.name, row.name)}/progress`,
    started: row.startedAt,
    last_activity: last ? new Date(last).toISOString() : null,
    limits: row.limits,
    bytes_in: activity?.bytesIn ?? 0,
    bytes_out: activity?.bytesOut ?? 0,
    ...(row.state === 'stopped' ? { stop_reason: row.stopReason } : {}),
  };
}

/**
 * The server part of the user model: JupyterHub's `server` and `pending` (the default server) and
 * `servers`, which has the default server while it is active and every named server until it is removed
 * (stopped ones with `stopped: true`, as JupyterHub's `include_stopped_servers` shows them).
 */
export function serverModel(hub: HubService, user: User): Record<string, unknown> {
  const rows = hub.spawner.servers(user);
  const row = rows.find((r) => r.name === '') ?? null;
  const state = row?.state ?? 'stopped';
  const servers: Record<string, unknown> = {};
  for (const r of rows) if (r.name || r.state !== 'stopped') servers[r.name] = oneServer(hub, user, r);
  return {
    server: state === 'running' ? serverPrefix(user.name) : null,
    pending: state === 'pending' ? 'spawn' : state === 'stopping' ? 'stop' : null,
    servers,
    named_server_limit: hub.spawner.namedServerLimit,
    last_server_stop:
      row && state === 'stopped'
        ? { at: row.stoppedAt, reason: row.stopReason, log_tail: row.logTail }
        : null,
    home: hub.homes.status(user),
  };
}

async function settleWithin(hub: HubService, user: User, server: string, ms: number): Promise<void> {
  await Promise.race([hub.spawner.settled(user, server), sleep(ms)]);
}

export async function serversRoutes(
  app: FastifyInstance,
  opts: { hub: HubService; identity: Identity },
): Promise<void> {
  const { hub } = opts;

  /** The user and server a request names; a named server must exist unless it is being created. */
  const target = (req: FastifyRequest<{ Params: Params }>, create: boolean) => {
    requireSelfOrAdmin(req, req.params.name, 'servers');
    const user = opts.identity.users.get(req.params.name);
    const server = req.params.server ?? '';
    if (server && create) checkServerName(server);
    if (server && !create && !hub.spawner.server(user, server)) {
      throw new TerraHubError('TH_HUB_SERVER_NOT_FOUND', `"${user.name}" has no server named "${server}"`);
    }
    return { user, server };
  };

  const start = async (
    req: FastifyRequest<{ Params: Params; Body: { profile?: string } | null }>,
    reply: FastifyReply,
  ) => {
    const { user, server } = target(req, true);
    const { alreadyRunning } = hub.spawner.start(user, req.body?.profile, server);
    if (!alreadyRunning) await settleWithin(hub, user, server, SLOW_MS);
    const row = hub.spawner.server(user, server);
    if (row?.state === 'stopped') {
      return reply.status(500).send({
        status: 500,
        code: 'TH_HUB_SPAWN_FAILED',
        message: row.stopReason ?? 'the server could not be started',
        log_tail: row.logTail ?? '',
      });
    }
    const model = server && row ? oneServer(hub, user, row) : serverModel(hub, user);
    return reply.status(row?.state === 'running' ? 201 : 202).send(model);
  };

  const stop = async (
    req: FastifyRequest<{ Params: Params; Body: { remove?: boolean } | null }>,
    reply: FastifyReply,
  ) => {
    const { user, server } = target(req, false);
    const { alreadyStopped } = hub.spawner.stop(user, 'stopped by request', server);
    if (!alreadyStopped) await settleWithin(hub, user, server, SLOW_MS);
    const stopped = hub.spawner.server(user, server)?.state === 'stopped';
    if (server && req.body?.remove) {
      if (stopped) hub.spawner.remove(user, server);
      else void hub.spawner.settled(user, server).then(() => hub.spawner.remove(user, server));
    }
    return reply.status(stopped ? 204 : 202).send();
  };

  const progress = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const { user, server } = target(req, false);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    const send = (e: ProgressEvent) => res.write(`data: ${JSON.stringify(e)}\n\n`);
    const p = hub.spawner.progressOf(user, server);
    const row = hub.spawner.server(user, server);
    const url = serverPrefix(user.name, server);
    if (!p || !row || row.state === 'running' || row.state === 'stopped') {
      // Nothing under way: one event that says where the server is (or how its start ended).
      if (row?.state === 'running') send({ progress: 100, message: 'Server ready', ready: true, url });
      else if (p) p.follow(send);
      else
        send({
          progress: 100,
          message: `Server ${row?.state ?? 'stopped'}`,
          failed: row?.state !== 'pending',
        });
      res.end();
      return;
    }
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const unfollow = p.follow((e) => {
      send(e);
      if (e.ready || e.failed) finish();
    });
    function finish() {
      clearInterval(keepAlive);
      unfollow();
      res.end();
    }
    if (p.done) finish();
    req.raw.on('close', finish);
  };

  const startSchema = (params: object, which: string) => ({
    summary: `Start ${which}: 201 when ready, 202 while it is still starting (self or admin)`,
    tags: ['servers'],
    params,
    body: startBody,
  });
  const stopSchema = (params: object, which: string, body?: object) => ({
    summary: `Stop ${which}: 204 when stopped, 202 while it is still stopping (self or admin)`,
    tags: ['servers'],
    params,
    ...(body ? { body } : {}),
  });
  const progressSchema = (params: object, which: string) => ({
    summary: `Start progress of ${which} as server-sent events (self or admin)`,
    tags: ['servers'],
    params,
  });

  app.post('/users/:name/server', { schema: startSchema(userParams, "a user's default server") }, start);
  app.delete('/users/:name/server', { schema: stopSchema(userParams, "a user's default server") }, stop);
  app.get(
    '/users/:name/server/progress',
    { schema: progressSchema(userParams, "a user's default server") },
    progress,
  );
  const named = 'a named server (created on its first start, within hub.namedServerLimit)';
  app.post('/users/:name/servers/:server', { schema: startSchema(serverParams, named) }, start);
  app.delete(
    '/users/:name/servers/:server',
    {
      schema: stopSchema(
        serverParams,
        'a named server; with {"remove": true} it is also forgotten',
        stopBody,
      ),
    },
    stop,
  );
  app.get(
    '/users/:name/servers/:server/progress',
    { schema: progressSchema(serverParams, 'a named server') },
    progress,
  );
}
