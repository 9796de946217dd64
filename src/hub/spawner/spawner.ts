/**
 * The spawner: starts, watches and stops each user's Jupyter server through a Launcher, and keeps its state
 * in the database so that a restarted TerraHub re-adopts servers that still run and marks dead ones stopped
 * with the tail of their log. One server per user (the default server, name '').
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TerraHubError } from '../../core/errors.ts';
import type { Identity, User } from '../../core/identity/index.ts';
import { randomString } from '../../core/identity/secrets.ts';
import type { Logger } from '../../core/log.ts';
import type { Launcher } from '../launcher/types.ts';
import type { Profile } from '../profiles.ts';
import type { ServerRow, ServerStore } from '../store.ts';
import { ensureAccount, ensureHome, runnableByOthers } from './accounts.ts';
import { jupyterCommand, serverArgs, serverEnv } from './env.ts';
import { freePort, jupyterStatus } from './probe.ts';
import { Progress } from './progress.ts';

export interface SpawnerOptions {
  dataDir: string;
  identity: Identity;
  store: ServerStore;
  launcher: Launcher;
  log: Logger;
  profiles: Profile[];
  jupyterCommand: string;
  unixUsers: boolean;
  /** hub.unixUsers is `on`: use accounts even when the environment looks unreadable to them. */
  unixUsersForced?: boolean;
  startTimeoutMs: number;
  stopGraceMs: number;
  /** Read when a server starts: the ports are known only once TerraHub has bound them. */
  urls: () => { publicUrl: string; s3PublicUrl: string };
  /** Called once the home exists, before the server starts (the quickstart notebooks are put there). */
  onHomeReady?: (home: string, owner?: { uid: number; gid: number }) => void;
}

export const serverPrefix = (user: string) => `/user/${user}/`;

/** The last lines of a file (at most 4 KiB of it). */
export function logTail(path: string, lines = 20): string {
  try {
    const size = statSync(path).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf
      .toString('utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trim();
  } catch {
    return '';
  }
}

export class Spawner {
  private progress = new Map<number, Progress>();
  private running = new Map<number, Promise<void>>();
  private changeListeners: Array<(user: string) => void> = [];

  constructor(private readonly o: SpawnerOptions) {
    mkdirSync(join(o.dataDir, 'hub', 'logs'), { recursive: true, mode: 0o700 });
    mkdirSync(join(o.dataDir, 'homes'), { recursive: true, mode: 0o711 });
  }

  /** Called with the user's name whenever their server starts, stops or changes port (the proxy's cache). */
  onChange(fn: (user: string) => void): void {
    this.changeListeners.push(fn);
  }

  private changed(user: string): void {
    for (const fn of this.changeListeners) fn(user);
  }

  get profiles(): Profile[] {
    return this.o.profiles;
  }

  profile(name?: string): Profile {
    if (!name) return this.o.profiles[0]!;
    const p = this.o.profiles.find((x) => x.name === name);
    if (!p) {
      const known = this.o.profiles.map((x) => `"${x.name}"`).join(', ');
      throw new TerraHubError('TH_HUB_UNKNOWN_PROFILE', `no profile "${name}"; profiles: ${known}`);
    }
    return p;
  }

  homeOf(user: string): string {
    return join(this.o.dataDir, 'homes', user);
  }

  logOf(user: string): string {
    return join(this.o.dataDir, 'hub', 'logs', `${user}.log`);
  }

  server(user: User): ServerRow | null {
    return this.o.store.get(user.id);
  }

  progressOf(user: User): Progress | null {
    return this.progress.get(user.id) ?? null;
  }

  /** Resolves when the current start or stop of the user's server has finished. */
  async settled(user: User): Promise<void> {
    await this.running.get(user.id);
  }

  /**
   * Starts the user's server. Returns at once with the start under way (follow `progressOf`, or await
   * `settled`); a server already running is left as it is.
   */
  start(user: User, profileName?: string): { alreadyRunning: boolean } {
    const row = this.o.store.get(user.id);
    if (row?.state === 'running') return { alreadyRunning: true };
    if (row?.state === 'pending' || row?.state === 'stopping') {
      throw new TerraHubError('TH_HUB_SERVER_PENDING', `the server of "${user.name}" is ${row.state}`);
    }
    const profile = this.profile(profileName);
    this.o.store.put({
      userId: user.id,
      name: '',
      state: 'pending',
      profile: profile.name,
      startedAt: new Date().toISOString(),
    });
    const progress = new Progress();
    this.progress.set(user.id, progress);
    progress.emit({ progress: 0, message: `Starting a server with profile "${profile.name}"` });
    this.track(user, this.spawn(user, profile, progress));
    return { alreadyRunning: false };
  }

  private track(user: User, p: Promise<void>): void {
    const done = p.finally(() => {
      if (this.running.get(user.id) === done) this.running.delete(user.id);
    });
    this.running.set(user.id, done);
  }

  /**
   * The profile's environment; a profile without one uses the built `default` environment when there is one
   * (`terrahub env build`), else `hub.jupyterCommand`.
   */
  private jupyterFor(profile: Profile): string {
    const env = (name: string) => join(this.o.dataDir, 'envs', name, 'bin', 'jupyter');
    if (profile.environment) return env(profile.environment);
    return existsSync(env('default')) ? env('default') : this.o.jupyterCommand;
  }

  /**
   * Per-user accounts (hub.unixUsers) need an environment those accounts can run. In `auto` mode one they
   * cannot (e.g. a venv whose Python lives under /root) runs as TerraHub's account instead, said in the log.
   */
  private useAccounts(jupyter: string, log: Logger): boolean {
    if (!this.o.unixUsers) return false;
    if (this.o.unixUsersForced || runnableByOthers(jupyter)) return true;
    log.warn({ jupyter }, 'Spawner:AccountsSkipped: the environment is not readable by other accounts');
    return false;
  }

  private async spawn(user: User, profile: Profile, progress: Progress): Promise<void> {
    const log = this.o.log.child({ user: user.name });
    const prefix = serverPrefix(user.name);
    const home = this.homeOf(user.name);
    const logFile = this.logOf(user.name);
    let apiTokenId: string | null = null;
    try {
      const jupyter = jupyterCommand(this.jupyterFor(profile));
      const owner = this.useAccounts(jupyter, log) ? ensureAccount(user.name, home) : undefined;
      ensureHome(home, owner);
      this.o.onHomeReady?.(home, owner);
      progress.emit({
        progress: 10,
        message: `Home directory ready${owner ? ` (account ${owner.account})` : ''}`,
      });
      const port = await freePort();
      const secret = randomString(40);
      const api = this.o.identity.tokens.create(user, { note: 'Jupyter server (revoked when it stops)' });
      apiTokenId = api.model.id;
      const { publicUrl, s3PublicUrl } = this.o.urls();
      const launch = await this.o.launcher.start({
        command: jupyter,
        args: serverArgs({ port, prefix, home, user: user.name }),
        env: serverEnv({
          user: user.name,
          prefix,
          home,
          account: owner?.account ?? 'terrahub',
          port,
          secret,
          apiToken: api.token,
          publicUrl,
          s3Url: s3PublicUrl,
          s3Credentials: this.o.identity.users.credentials(user.name),
          jupyter,
        }),
        cwd: home,
        logFile,
        runAs: owner,
        limits: { memoryBytes: profile.memoryBytes || undefined, cpus: profile.cpus || undefined },
      });
      this.o.store.update(user.id, '', { port, secret, launch, apiTokenId, limits: launch.limits });
      log.info({ port, limits: launch.limits }, 'Server:Launched');
      progress.emit({ progress: 40, message: `Server process started; waiting for JupyterLab to answer` });
      const deadline = Date.now() + this.o.startTimeoutMs;
      for (;;) {
        if (await jupyterStatus(port, prefix, secret, 2000)) break;
        if ((await this.o.launcher.poll(launch)) === 'exited') throw new Error('the server process exited');
        if (Date.now() > deadline) {
          await this.o.launcher.stop(launch, this.o.stopGraceMs);
          throw new Error(`the server did not answer within ${Math.round(this.o.startTimeoutMs / 1000)} s`);
        }
        await sleep(50); // a probe is one local request: poll often, readiness is what users wait for
      }
      const now = new Date().toISOString();
      this.o.store.update(user.id, '', { state: 'running', readyAt: now, lastActivity: now });
      this.changed(user.name);
      log.info('Server:Ready');
      progress.emit({ progress: 100, message: 'Server ready', ready: true, url: prefix });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (apiTokenId) this.revoke(user, apiTokenId);
      const tail = logTail(logFile);
      this.o.store.update(user.id, '', {
        state: 'stopped',
        stoppedAt: new Date().toISOString(),
        stopReason: `start failed: ${why}`,
        logTail: tail,
      });
      log.warn({ why }, 'Server:StartFailed');
      progress.emit({ progress: 100, message: `Start failed: ${why}\n${tail}`, failed: true });
    }
  }

  private revoke(user: User, tokenId: string): void {
    try {
      this.o.identity.tokens.revoke(user, tokenId);
    } catch {
      /* already gone */
    }
  }

  /** Stops the user's server (SIGTERM, then SIGKILL after the grace period). */
  stop(user: User, reason: string): { alreadyStopped: boolean } {
    const row = this.o.store.get(user.id);
    if (!row || row.state === 'stopped') return { alreadyStopped: true };
    if (row.state === 'stopping') return { alreadyStopped: false };
    if (row.state === 'pending') {
      throw new TerraHubError('TH_HUB_SERVER_PENDING', `the server of "${user.name}" is starting`);
    }
    this.o.store.update(user.id, '', { state: 'stopping' });
    this.changed(user.name);
    this.track(user, this.halt(user, row, reason));
    return { alreadyStopped: false };
  }

  private async halt(user: User, row: ServerRow, reason: string): Promise<void> {
    if (row.launch) await this.o.launcher.stop(row.launch, this.o.stopGraceMs);
    this.markStopped(user, row, reason);
  }

  private markStopped(user: User, row: ServerRow, reason: string): void {
    if (row.apiTokenId) this.revoke(user, row.apiTokenId);
    this.o.store.update(user.id, '', {
      state: 'stopped',
      stoppedAt: new Date().toISOString(),
      stopReason: reason,
      logTail: logTail(this.logOf(user.name)),
      port: null,
      secret: null,
    });
    this.progress.delete(user.id);
    this.changed(user.name);
    this.o.log.info({ user: user.name, reason }, 'Server:Stopped');
  }

  /**
   * Checks every server the database says is active: those whose process is gone are marked stopped (with
   * their log tail), the rest stay. Run at start-up (re-adoption) and periodically.
   */
  async reconcile(): Promise<void> {
    for (const row of this.o.store.active()) {
      const user = this.o.identity.users.byId(row.userId);
      if (!user || this.running.has(row.userId)) continue;
      const alive = row.launch ? (await this.o.launcher.poll(row.launch)) === 'running' : false;
      if (!alive) {
        this.markStopped(user, row, 'the server process exited');
      } else if (row.state === 'stopping') {
        this.track(user, this.halt(user, row, 'stopped'));
      } else if (row.state === 'pending' && row.port && row.secret) {
        // A start the previous TerraHub did not see finish: ready if it answers, else stopped.
        const ok = await jupyterStatus(row.port, serverPrefix(user.name), row.secret, 5000);
        if (ok) this.o.store.update(user.id, '', { state: 'running', readyAt: new Date().toISOString() });
        else this.track(user, this.halt(user, row, 'start did not finish before TerraHub restarted'));
      }
    }
  }

  /** Stops every active server (clean shutdown with hub.stopServersOnExit). */
  async stopAll(reason: string): Promise<void> {
    await Promise.all([...this.running.values()]);
    for (const row of this.o.store.active()) {
      const user = this.o.identity.users.byId(row.userId);
      if (user && row.state === 'running') this.stop(user, reason);
    }
    await Promise.all([...this.running.values()]);
  }
}
