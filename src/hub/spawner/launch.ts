/**
 * One server start, from the pending row to ready or failed: home, account, port and tokens, the process,
 * then the readiness probe. Kept apart from the Spawner class so that its phases and their timings read in
 * one place: the hub's own share of a start (everything but JupyterLab's own start-up) is what users wait
 * for on top of Jupyter, so the setup is done before the process starts only where the process needs it, and
 * the probe starts fast and backs off only a little (a probe of a port nobody listens on yet costs microseconds).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Identity, User } from '../../core/identity/index.ts';
import { randomString } from '../../core/identity/secrets.ts';
import type { Logger } from '../../core/log.ts';
import type { Launcher } from '../launcher/types.ts';
import type { Profile } from '../profiles.ts';
import type { ServerStore } from '../store.ts';
import { jupyterCommand, serverArgs, serverEnv } from './env.ts';
import { logTail } from './logs.ts';
import { serverPrefix } from './names.ts';
import { freePort, jupyterStatus } from './probe.ts';
import type { Progress } from './progress.ts';

type Owner = { uid: number; gid: number; account: string };

export interface LaunchDeps {
  identity: Identity;
  store: ServerStore;
  launcher: Launcher;
  log: Logger;
  startTimeoutMs: number;
  stopGraceMs: number;
  urls: () => { publicUrl: string; s3PublicUrl: string };
  prepareHome?: (user: string, home: string, owner?: { uid: number; gid: number }) => Promise<void>;
  onHomeReady?: (home: string, owner?: { uid: number; gid: number }) => void;
  jupyter: string;
  home: string;
  logFile: string;
  useAccounts: (jupyter: string, log: Logger) => boolean;
  ensureAccount: (user: string, home: string) => Owner;
  ensureHome: (home: string, owner?: { uid: number; gid: number }) => void;
  /** Told before the ready event goes out, so that the proxy routes to the server by then. */
  changed: (user: string) => void;
  /** Receives the hub's share of the start once the server is ready. */
  timed: (t: SpawnTimings) => void;
}

/** The hub's share of the last start of each server, for the log and the spawn benchmark. */
export interface SpawnTimings {
  /** From the start request to the process running (home, account, tokens, fork/exec). */
  setupMs: number;
  /** Of which: the home (account, mount, quickstarts) ready, and the launcher's start (fork/exec, limits). */
  homeMs: number;
  forkMs: number;
  /** From the process running to the first successful probe (JupyterLab's own start-up, plus probe lag). */
  waitMs: number;
  /** Probes sent (the last one answered). */
  probes: number;
}

/** Probe delays: 20 ms, growing by half each time, at most 50 ms between probes. */
export const probeDelay = (attempt: number) => Math.min(50, Math.round(20 * 1.5 ** attempt));

/** Starts the server the pending row describes; returns how it ended (the row says the rest). */
export async function launchServer(
  d: LaunchDeps,
  user: User,
  name: string,
  profile: Profile,
  progress: Progress,
): Promise<'ready' | 'failed'> {
  const t0 = performance.now();
  const log = d.log.child({ user: user.name, server: name });
  const prefix = serverPrefix(user.name, name);
  let apiTokenId: string | null = null;
  try {
    const jupyter = jupyterCommand(d.jupyter);
    const owner = d.useAccounts(jupyter, log) ? d.ensureAccount(user.name, d.home) : undefined;
    const [port] = await Promise.all([freePort(), d.prepareHome?.(user.name, d.home, owner)]);
    d.ensureHome(d.home, owner);
    d.onHomeReady?.(d.home, owner);
    const tHome = performance.now();
    progress.emit({
      progress: 10,
      message: `Home directory ready${owner ? ` (account ${owner.account})` : ''}`,
    });
    const secret = randomString(40);
    const note = `Jupyter server${name ? ` "${name}"` : ''} (revoked when it stops)`;
    const api = d.identity.tokens.create(user, { note });
    apiTokenId = api.model.id;
    const { publicUrl, s3PublicUrl } = d.urls();
    const tFork = performance.now();
    const launch = await d.launcher.start({
      command: jupyter,
      args: serverArgs({ port, prefix, home: d.home, user: user.name }),
      env: serverEnv({
        user: user.name,
        server: name,
        prefix,
        home: d.home,
        account: owner?.account ?? 'terrahub',
        port,
        secret,
        apiToken: api.token,
        publicUrl,
        s3Url: s3PublicUrl,
        s3Credentials: d.identity.users.credentials(user.name),
        jupyter,
      }),
      cwd: d.home,
      logFile: d.logFile,
      runAs: owner,
      limits: { memoryBytes: profile.memoryBytes || undefined, cpus: profile.cpus || undefined },
    });
    const t1 = performance.now();
    d.store.update(user.id, name, { port, secret, launch, apiTokenId, limits: launch.limits });
    log.info({ port, limits: launch.limits }, 'Server:Launched');
    progress.emit({ progress: 40, message: `Server process started; waiting for JupyterLab to answer` });
    const deadline = Date.now() + d.startTimeoutMs;
    let probes = 0;
    for (;;) {
      probes++;
      if (await jupyterStatus(port, prefix, secret, 2000)) break;
      if ((await d.launcher.poll(launch)) === 'exited') throw new Error('the server process exited');
      if (Date.now() > deadline) {
        await d.launcher.stop(launch, d.stopGraceMs);
        throw new Error(`the server did not answer within ${Math.round(d.startTimeoutMs / 1000)} s`);
      }
      await sleep(probeDelay(probes - 1));
    }
    const timings = {
      setupMs: Math.round(t1 - t0),
      homeMs: Math.round(tHome - t0),
      forkMs: Math.round(t1 - tFork),
      waitMs: Math.round(performance.now() - t1),
      probes,
    };
    d.timed(timings);
    const now = new Date().toISOString();
    d.store.update(user.id, name, { state: 'running', readyAt: now, lastActivity: now });
    d.changed(user.name);
    log.info(timings, 'Server:Ready');
    progress.emit({ progress: 100, message: 'Server ready', ready: true, url: prefix });
    return 'ready';
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (apiTokenId) {
      try {
        d.identity.tokens.revoke(user, apiTokenId);
      } catch {
        /* already gone */
      }
    }
    const tail = logTail(d.logFile);
    d.store.update(user.id, name, {
      state: 'stopped',
      stoppedAt: new Date().toISOString(),
      stopReason: `start failed: ${why}`,
      logTail: tail,
    });
    log.warn({ why }, 'Server:StartFailed');
    progress.emit({ progress: 100, message: `Start failed: ${why}\n${tail}`, failed: true });
    return 'failed';
  }
}
