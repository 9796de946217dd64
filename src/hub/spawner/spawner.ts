/**
 * The spawner: starts, watches and stops users' Jupyter servers through a Launcher, and keeps their state in
 * the database so that a restarted TerraHub re-adopts servers that still run and marks dead ones stopped with
 * the tail of their log. Each user has a default server (name '') and up to `namedServerLimit` active named
 * servers; all of a user's servers share the user's home directory.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TerraHubError } from '../../core/errors.ts';
import type { Identity, User } from '../../core/identity/index.ts';
import type { Logger } from '../../core/log.ts';
import type { Launcher } from '../launcher/types.ts';
import type { Profile } from '../profiles.ts';
import type { ServerRow, ServerStore } from '../store.ts';
import { ensureAccount, ensureHome, runnableByOthers } from './accounts.ts';
import { launchServer, type LaunchDeps, type SpawnTimings } from './launch.ts';
import { logTail, serverLogPath } from './logs.ts';
import { checkServerName, serverKey, serverLabel, serverPrefix } from './names.ts';
import { jupyterStatus } from './probe.ts';
import { Progress } from './progress.ts';

export { logTail } from './logs.ts';
export { serverPrefix } from './names.ts';

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
  /** Active named servers a user may have at once (hub.namedServerLimit); 0: named servers are off. */
  namedServerLimit: number;
  /** Read when a server starts: the ports are known only once TerraHub has bound them. */
  urls: () => { publicUrl: string; s3PublicUrl: string };
  /** Makes the user's home available before anything else touches it (a hard-quota mount, see homes.ts). */
  prepareHome?: (user: string, home: string, owner?: { uid: number; gid: number }) => Promise<void>;
  /** Called once the home exists, before the server starts (the quickstart notebooks are put there). */
  onHomeReady?: (home: string, owner?: { uid: number; gid: number }) => void;
}

export class Spawner {
  private progress = new Map<string, Progress>();
  private running = new Map<string, Promise<void>>();
  private changeListeners: Array<(user: string) => void> = [];
  private timings = new Map<string, SpawnTimings>();

  constructor(private readonly o: SpawnerOptions) {
    mkdirSync(join(o.dataDir, 'hub', 'logs'), { recursive: true, mode: 0o700 });
    mkdirSync(join(o.dataDir, 'homes'), { recursive: true, mode: 0o711 });
  }

  /** Called with the user's name whenever one of their servers starts, stops or moves (the proxy's cache). */
  onChange(fn: (user: string) => void): void {
    this.changeListeners.push(fn);
  }

  private changed(user: string): void {
    for (const fn of this.changeListeners) fn(user);
  }

  get profiles(): Profile[] {
    return this.o.profiles;
  }

  get namedServerLimit(): number {
    return this.o.namedServerLimit;
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

  logOf(user: string, server = ''): string {
    return serverLogPath(this.o.dataDir, user, server);
  }

  server(user: User, name = ''): ServerRow | null {
    return this.o.store.get(user.id, name);
  }

  /** The user's servers: the default one (when it ever ran) and every named one, stopped ones included. */
  servers(user: User): ServerRow[] {
    return this.o.store.ofUser(user.id);
  }

  /** The hub's share of the server's last start (its `Server:Ready` log line), for the spawn benchmark. */
  lastTimings(user: User, name = ''): SpawnTimings | null {
    return this.timings.get(serverKey(user.id, name)) ?? null;
  }

  progressOf(user: User, name = ''): Progress | null {
    return this.progress.get(serverKey(user.id, name)) ?? null;
  }

  /** Resolves when the current start or stop of the server has finished. */
  async settled(user: User, name = ''): Promise<void> {
    await this.running.get(serverKey(user.id, name));
  }

  /**
   * Starts a server of the user. Returns at once with the start under way (follow `progressOf`, or await
   * `settled`); a server already running is left as it is. A named server is created on its first start,
   * within the user's limit of active named servers.
   */
  start(user: User, profileName?: string, name = ''): { alreadyRunning: boolean } {
    const row = this.o.store.get(user.id, name);
    if (row?.state === 'running') return { alreadyRunning: true };
    if (row?.state === 'pending' || row?.state === 'stopping') {
      throw new TerraHubError('TH_HUB_SERVER_PENDING', `${serverLabel(user.name, name)} is ${row.state}`);
    }
    if (name) this.checkNamedStart(user, name);
    const profile = this.profile(profileName);
    this.o.store.put({
      userId: user.id,
      name,
      state: 'pending',
      profile: profile.name,
      startedAt: new Date().toISOString(),
    });
    const progress = new Progress();
    this.progress.set(serverKey(user.id, name), progress);
    progress.emit({ progress: 0, message: `Starting a server with profile "${profile.name}"` });
    this.track(user, name, this.spawn(user, name, profile, progress));
    return { alreadyRunning: false };
  }

  private checkNamedStart(user: User, name: string): void {
    checkServerName(name);
    const limit = this.o.namedServerLimit;
    if (limit <= 0) throw new TerraHubError('TH_HUB_NAMED_SERVERS_OFF');
    const active = this.o.store.ofUser(user.id).filter((r) => r.name && r.state !== 'stopped').length;
    if (active >= limit) {
      throw new TerraHubError(
        'TH_HUB_SERVER_LIMIT',
        `"${user.name}" already has ${active} active named servers, the most allowed (hub.namedServerLimit ${limit}): stop one first`,
      );
    }
  }

  private track(user: User, name: string, p: Promise<void>): void {
    const key = serverKey(user.id, name);
    const done = p.finally(() => {
      if (this.running.get(key) === done) this.running.delete(key);
    });
    this.running.set(key, done);
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

  private async spawn(user: User, name: string, profile: Profile, progress: Progress): Promise<void> {
    const deps: LaunchDeps = {
      ...this.o,
      jupyter: this.jupyterFor(profile),
      useAccounts: (jupyter, log) => this.useAccounts(jupyter, log),
      ensureAccount,
      ensureHome,
      home: this.homeOf(user.name),
      logFile: this.logOf(user.name, name),
      changed: (u) => this.changed(u),
      timed: (t) => this.timings.set(serverKey(user.id, name), t),
    };
    await launchServer(deps, user, name, profile, progress);
  }

  private revoke(user: User, tokenId: string): void {
    try {
      this.o.identity.tokens.revoke(user, tokenId);
    } catch {
      /* already gone */
    }
  }

  /** Stops a server of the user (SIGTERM, then SIGKILL after the grace period). */
  stop(user: User, reason: string, name = ''): { alreadyStopped: boolean } {
    const row = this.o.store.get(user.id, name);
    if (!row || row.state === 'stopped') return { alreadyStopped: true };
    if (row.state === 'stopping') return { alreadyStopped: false };
    if (row.state === 'pending') {
      throw new TerraHubError('TH_HUB_SERVER_PENDING', `${serverLabel(user.name, name)} is starting`);
    }
    this.o.store.update(user.id, name, { state: 'stopping' });
    this.changed(user.name);
    this.track(user, name, this.halt(user, row, reason));
    return { alreadyStopped: false };
  }

  /** Forgets a stopped named server (JupyterHub's `DELETE .../servers/{name}` with `remove`). */
  remove(user: User, name: string): void {
    const row = this.o.store.get(user.id, name);
    if (!name || !row) return;
    if (row.state !== 'stopped') {
      throw new TerraHubError('TH_HUB_SERVER_PENDING', `${serverLabel(user.name, name)} is ${row.state}`);
    }
    this.o.store.remove(user.id, name);
    this.progress.delete(serverKey(user.id, name));
    this.changed(user.name);
  }

  private async halt(user: User, row: ServerRow, reason: string): Promise<void> {
    if (row.launch) await this.o.launcher.stop(row.launch, this.o.stopGraceMs);
    this.markStopped(user, row, reason);
  }

  private markStopped(user: User, row: ServerRow, reason: string): void {
    if (row.apiTokenId) this.revoke(user, row.apiTokenId);
    this.o.store.update(user.id, row.name, {
      state: 'stopped',
      stoppedAt: new Date().toISOString(),
      stopReason: reason,
      logTail: logTail(this.logOf(user.name, row.name)),
      port: null,
      secret: null,
    });
    this.progress.delete(serverKey(user.id, row.name));
    this.changed(user.name);
    this.o.log.info({ user: user.name, server: row.name, reason }, 'Server:Stopped');
  }

  /**
   * Checks every server the database says is active: those whose process is gone are marked stopped (with
   * their log tail), the rest stay. Run at start-up (re-adoption) and periodically.
   */
  async reconcile(): Promise<void> {
    for (const row of this.o.store.active()) {
      const user = this.o.identity.users.byId(row.userId);
      if (!user || this.running.has(serverKey(row.userId, row.name))) continue;
      const alive = row.launch ? (await this.o.launcher.poll(row.launch)) === 'running' : false;
      if (!alive) {
        this.markStopped(user, row, 'the server process exited');
      } else if (row.state === 'stopping') {
        this.track(user, row.name, this.halt(user, row, 'stopped'));
      } else if (row.state === 'pending' && row.port && row.secret) {
        // A start the previous TerraHub did not see finish: ready if it answers, else stopped.
        const prefix = serverPrefix(user.name, row.name);
        const ok = await jupyterStatus(row.port, prefix, row.secret, 5000);
        if (ok) {
          this.o.store.update(user.id, row.name, { state: 'running', readyAt: new Date().toISOString() });
        } else {
          this.track(user, row.name, this.halt(user, row, 'start did not finish before TerraHub restarted'));
        }
      }
    }
  }

  /** Stops every active server (clean shutdown with hub.stopServersOnExit). */
  async stopAll(reason: string): Promise<void> {
    await Promise.all([...this.running.values()]);
    for (const row of this.o.store.active()) {
      const user = this.o.identity.users.byId(row.userId);
      if (user && row.state === 'running') this.stop(user, reason, row.name);
    }
    await Promise.all([...this.running.values()]);
  }

  /** Stops all of a user's servers and waits for them (before the user is removed). */
  async stopUser(user: User, reason: string): Promise<void> {
    for (const row of this.servers(user)) {
      await this.settled(user, row.name);
      if (this.server(user, row.name)?.state === 'running') this.stop(user, reason, row.name);
      await this.settled(user, row.name);
    }
  }
}
