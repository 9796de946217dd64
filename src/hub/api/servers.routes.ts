/**
 * Users' servers in the hub API, shaped like JupyterHub's: POST/DELETE /users/{name}/server and the progress
 * event stream /users/{name}/server/progress, so JupyterHub-style scripts work against TerraHub.
 */
import type { FastifyInstance } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireSelfOrAdmin } from '../../core/http/auth.ts';
import type { Identity, User } from '../../core/identity/index.ts';
import type { HubService } from '../service.ts';
import { serverPrefix } from '../spawner/spawner.ts';
import type { ProgressEvent } from '../spawner/progress.ts';

/** How long POST/DELETE wait for the start or stop to finish before answering 202 (JupyterHub: 10 s). */
const SLOW_MS = 10_000;

const nameParams = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
} as const;

/** The server part of the user model (JupyterHub's `server`, `pending` and `servers`). */
export function serverModel(hub: HubService, user: User): Record<string, unknown> {
  const row = hub.spawner.server(user);
  const state = row?.state ?? 'stopped';
  const prefix = serverPrefix(user.name);
  const activity = hub.activity.get(user.id);
  const lastActivity = Math.max(Date.parse(row?.lastActivity ?? '') || 0, activity?.lastMs ?? 0);
  const servers: Record<string, unknown> = {};
  if (row && state !== 'stopped') {
    servers[''] = {
      name: '',
      profile: row.profile,
      ready: state === 'running',
      pending: state === 'pending' ? 'spawn' : state === 'stopping' ? 'stop' : null,
      stopped: false,
      url: prefix,
      progress_url: `/hub/api/users/${user.name}/server/progress`,
      started: row.startedAt,
      last_activity: lastActivity ? new Date(lastActivity).toISOString() : null,
      limits: row.limits,
      bytes_in: activity?.bytesIn ?? 0,
      bytes_out: activity?.bytesOut ?? 0,
    };
  }
  return {
    server: state === 'running' ? prefix : null,
    pending: state === 'pending' ? 'spawn' : state === 'stopping' ? 'stop' : null,
    servers,
    last_server_stop:
      row && state === 'stopped'
        ? { at: row.stoppedAt, reason: row.stopReason, log_tail: row.logTail }
        : null,
    home: hub.homes.status(user),
  };
}

async function settleWithin(hub: HubService, user: User, ms: number): Promise<void> {
  await Promise.race([hub.spawner.settled(user), sleep(ms)]);
}

export async function serversRoutes(
  app: FastifyInstance,
  opts: { hub: HubService; identity: Identity },
): Promise<void> {
  const { hub } = opts;

  app.post<{ Params: { name: string }; Body: { profile?: string } | null }>(
    '/users/:name/server',
    {
      schema: {
        summary: "Start a user's server: 201 when ready, 202 while it is still starting (self or admin)",
        tags: ['servers'],
        params: nameParams,
        body: {
          type: 'object',
          properties: { profile: { type: 'string' } },
          additionalProperties: false,
          nullable: true,
        },
      },
    },
    async (req, reply) => {
      requireSelfOrAdmin(req, req.params.name, 'servers');
      const user = opts.identity.users.get(req.params.name);
      const { alreadyRunning } = hub.spawner.start(user, req.body?.profile);
      if (!alreadyRunning) await settleWithin(hub, user, SLOW_MS);
      const state = hub.spawner.server(user)?.state;
      if (state === 'stopped') {
        const row = hub.spawner.server(user);
        return reply.status(500).send({
          status: 500,
          code: 'TH_HUB_SPAWN_FAILED',
          message: row?.stopReason ?? 'the server could not be started',
          log_tail: row?.logTail ?? '',
        });
      }
      return reply.status(state === 'running' ? 201 : 202).send(serverModel(hub, user));
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/users/:name/server',
    {
      schema: {
        summary: "Stop a user's server: 204 when stopped, 202 while it is still stopping (self or admin)",
        tags: ['servers'],
        params: nameParams,
      },
    },
    async (req, reply) => {
      requireSelfOrAdmin(req, req.params.name, 'servers');
      const user = opts.identity.users.get(req.params.name);
      const { alreadyStopped } = hub.spawner.stop(user, 'stopped by request');
      if (!alreadyStopped) await settleWithin(hub, user, SLOW_MS);
      return reply.status(hub.spawner.server(user)?.state === 'stopped' ? 204 : 202).send();
    },
  );

  app.get<{ Params: { name: string } }>(
    '/users/:name/server/progress',
    {
      schema: {
        summary: 'Start progress as server-sent events (self or admin)',
        tags: ['servers'],
        params: nameParams,
      },
    },
    async (req, reply) => {
      requireSelfOrAdmin(req, req.params.name, 'servers');
      const user = opts.identity.users.get(req.params.name);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      const send = (e: ProgressEvent) => res.write(`data: ${JSON.stringify(e)}\n\n`);
      const progress = hub.spawner.progressOf(user);
      const row = hub.spawner.server(user);
      if (!progress || row?.state === 'running' || row?.state === 'stopped' || !row) {
        // Nothing under way: one event that says where the server is.
        if (row?.state === 'running')
          send({ progress: 100, message: 'Server ready', ready: true, url: serverPrefix(user.name) });
        else if (progress) progress.follow(send);
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
      const stop = progress.follow((e) => {
        send(e);
        if (e.ready || e.failed) finish();
      });
      function finish() {
        clearInterval(keepAlive);
        stop();
        res.end();
      }
      if (progress.done) finish();
      req.raw.on('close', finish);
    },
  );
}
