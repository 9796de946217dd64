/**
 * The hub's services, built once from the configuration (services.ts slot 6): server state, sessions, the
 * spawner on the `local` Launcher, the proxy's activity tracker, home usage, and the background loop that
 * re-adopts servers, notices dead ones, culls idle ones and measures homes.
 */
import type { Config } from '../core/config/keys.ts';
import type { Db } from '../core/db.ts';
import type { Identity, User } from '../core/identity/index.ts';
import type { Logger } from '../core/log.ts';
import { cullOnce } from './culler.ts';
import { HomeImages, isMountPoint } from './home-images.ts';
import { Homes } from './homes.ts';
import { LocalLauncher } from './launcher/local.ts';
import { limitsMode } from './launcher/cgroups.ts';
import { ActivityTracker } from './proxy/activity.ts';
import { Sessions } from './sessions.ts';
import { Spawner } from './spawner/spawner.ts';
import { ServerStore } from './store.ts';

export interface HubDeps {
  config: Config;
  db: Db;
  identity: Identity;
  log: Logger;
  dataDir: string;
  urls: () => { publicUrl: string; s3PublicUrl: string };
  /** Called when a user's home is ready, before their server starts. */
  onHomeReady?: (home: string, owner?: { uid: number; gid: number }) => void;
}

export class HubService {
  readonly store: ServerStore;
  readonly sessions: Sessions;
  /**
   * Where to send a browser that logged out of a session holding a provider's ID token (the provider's
   * end-session URL), or null; set by the OIDC login when hub.oidc.logoutAtProvider is on.
   */
  providerLogout: ((idToken: string) => Promise<string | null>) | null = null;
  readonly spawner: Spawner;
  readonly activity = new ActivityTracker();
  readonly homes: Homes;
  /** Per-user home images when hub.homes.hardQuota is `loop`, else null (soft quota only). */
  readonly images: HomeImages | null;
  /** How profile limits are applied on this machine (shown on the admin page). */
  readonly limitsMode: string;
  readonly unixUsers: boolean;
  private timers: NodeJS.Timeout[] = [];
  private busy = false;

  constructor(private readonly d: HubDeps) {
    const c = d.config;
    this.store = new ServerStore(d.db);
    this.sessions = new Sessions(d.db, d.identity.users, c['hub.sessionMaxAge']);
    const root = process.getuid?.() === 0;
    this.unixUsers = c['hub.unixUsers'] === 'on' || (c['hub.unixUsers'] === 'auto' && root);
    this.limitsMode = limitsMode();
    this.images = c['hub.homes.hardQuota'] === 'loop' ? new HomeImages(d.dataDir) : null;
    const images = this.images;
    this.spawner = new Spawner({
      dataDir: d.dataDir,
      identity: d.identity,
      store: this.store,
      launcher: new LocalLauncher(),
      log: d.log,
      profiles: c['hub.profiles'],
      jupyterCommand: c['hub.jupyterCommand'],
      unixUsers: this.unixUsers,
      unixUsersForced: c['hub.unixUsers'] === 'on',
      startTimeoutMs: c['hub.startTimeout'],
      stopGraceMs: c['hub.stopGrace'],
      namedServerLimit: c['hub.namedServerLimit'],
      urls: d.urls,
      ...(images
        ? {
            prepareHome: (name: string, home: string) =>
              images.prepare(name, home, this.quotaOf(d.identity.users.get(name))),
          }
        : {}),
      ...(d.onHomeReady ? { onHomeReady: d.onHomeReady } : {}),
    });
    this.homes = new Homes(
      this.store,
      (u) => this.spawner.homeOf(u),
      (u) => this.quotaOf(u),
      images,
    );
    if (!this.unixUsers) {
      d.log.warn(
        "Hub:DevelopmentMode: user servers run as TerraHub's own Unix account, not one account per user (hub.unixUsers)",
      );
    }
  }

  quotaOf(user: User): number {
    const row = this.store.get(user.id);
    let quota = 0;
    try {
      quota = this.spawner.profile(row?.profile).quotaBytes;
    } catch {
      /* profile removed from the configuration */
    }
    return quota || this.d.config['hub.homeQuota'];
  }

  /** Re-adopts servers, then runs the background checks periodically. */
  async start(): Promise<void> {
    await this.spawner.reconcile();
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => {
        void fn().catch((e: unknown) => this.d.log.error({ err: e }, 'Hub:BackgroundFailed'));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.d.config['hub.cullInterval'], () => this.tick());
    every(this.d.config['hub.usageInterval'], () => this.measureHomes());
    void this.measureHomes().catch(() => undefined);
  }

  /** One round of the liveness check and the culler (skipped while the previous round still runs). */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.spawner.reconcile();
      await cullOnce({
        store: this.store,
        identity: this.d.identity,
        spawner: this.spawner,
        activity: this.activity,
        log: this.d.log,
      });
      this.sessions.removeExpired();
    } finally {
      this.busy = false;
    }
  }

  async measureHomes(): Promise<void> {
    for (const user of this.d.identity.users.list()) await this.homes.measure(user);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.d.config['hub.stopServersOnExit']) await this.spawner.stopAll('TerraHub stopped');
    await this.releaseHomes();
  }

  /** Unmounts the home images of users none of whose servers runs (the others stay for re-adoption). */
  private async releaseHomes(): Promise<void> {
    if (!this.images) return;
    const busy = new Set(this.store.active().map((r) => r.userId));
    for (const user of this.d.identity.users.list()) {
      const home = this.spawner.homeOf(user.name);
      if (busy.has(user.id) || !isMountPoint(home)) continue;
      if (!(await this.images.release(user.name, home))) {
        this.d.log.warn({ user: user.name }, 'Hub:HomeStillMounted: the home image is busy');
      }
    }
  }
}
