/**
 * The environments service on `services.envs`: which profiles exist, whether each is built, building them,
 * the start-up build of the default environment, and what the hub's spawner needs from this area (the
 * user's environment variables, the quickstart notebooks, the path of an environment's `jupyter`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogService } from '../catalog/index.ts';
import type { Config } from '../core/config/keys.ts';
import type { Identity } from '../core/identity/index.ts';
import type { Logger } from '../core/log.ts';
import type { StorageService } from '../storage/index.ts';
import { buildEnvironment, environmentStatus, type BuildResult } from './build.ts';
import { ensureDemoData } from './demo/demo-data.ts';
import { findProfile, listProfiles } from './profiles.ts';
import { installQuickstarts } from './quickstarts.ts';
import { userEnvironmentFor } from './user-env.ts';

export const DEFAULT_ENV = 'default';

export interface EnvStatus {
  name: string;
  dir: string;
  upToDate: boolean;
}

export class EnvironmentService {
  readonly envsDir: string;
  readonly installQuickstarts = installQuickstarts;
  private startupBuild: Promise<void> | null = null;
  private demo: Promise<void> | null = null;
  private readonly stopping = new AbortController();

  constructor(
    private readonly o: {
      config: Config;
      dataDir: string;
      log: Logger;
      identity: Identity;
      storage: StorageService;
      catalog: CatalogService;
      urls: () => { publicUrl: string; s3PublicUrl: string };
    },
  ) {
    this.envsDir = join(o.dataDir, 'envs');
  }

  list(): EnvStatus[] {
    return listProfiles(this.o.config['envs.profilesDir']).map((n) => this.status(n));
  }

  status(name: string): EnvStatus {
    const profile = findProfile(name, this.o.config['envs.profilesDir']);
    return { name, ...environmentStatus(this.envsDir, profile) };
  }

  build(
    name: string,
    opts: { force?: boolean; onProgress?: (m: string) => void; signal?: AbortSignal } = {},
  ): Promise<BuildResult> {
    return buildEnvironment({
      envsDir: this.envsDir,
      profile: findProfile(name, this.o.config['envs.profilesDir']),
      python: this.o.config['envs.python'],
      ...opts,
    });
  }

  /** `bin/jupyter` of a built environment, or null when it has none. */
  jupyterOf(name: string): string | null {
    const p = join(this.envsDir, name, 'bin', 'jupyter');
    return existsSync(p) ? p : null;
  }

  /** The variables a process of `user` gets (see user-env.ts), with a token the caller made for it. */
  userEnvironment(user: string, token: string, opts: { serverName?: string } = {}): Record<string, string> {
    return userEnvironmentFor({ ...this.o.urls(), identity: this.o.identity }, user, token, opts);
  }

  /**
   * At start-up: the demo collection in the background (unless `envs.demoData` is off); and when
   * `envs.buildOnStart` is set and the default environment is missing or stale, build it in the background
   * (the hub serves meanwhile) and log progress; otherwise say how to build it. Returns a line for the
   * person starting TerraHub, or null when the default environment is ready.
   */
  startUp(): string | null {
    const { log } = this.o;
    if (this.o.config['envs.demoData']) {
      this.demo = ensureDemoData(this.o, this.stopping.signal).then(
        () => undefined,
        (e: unknown) =>
          this.stopping.signal.aborted
            ? log.info('Envs:DemoDataInterrupted: it is finished at the next start')
            : log.error({ err: e }, 'Envs:DemoDataFailed'),
      );
    }
    let st: EnvStatus;
    try {
      st = this.status(DEFAULT_ENV);
    } catch (e) {
      log.warn({ err: e }, 'Envs:NoDefaultProfile');
      return null;
    }
    if (st.upToDate) return null;
    if (!this.o.config['envs.buildOnStart']) {
      log.info({ dir: st.dir }, 'Envs:DefaultNotBuilt: run `terrahub env build` to build it');
      return 'the default Python environment is not built: run `terrahub env build`';
    }
    log.info({ dir: st.dir }, 'Envs:BuildingDefault: the default environment is missing, building it now');
    this.startupBuild = this.build(DEFAULT_ENV, {
      onProgress: (m) => log.info({ progress: m }, 'Envs:Build'),
      signal: this.stopping.signal,
    }).then(
      (r) => log.info({ dir: r.dir }, 'Envs:Built'),
      (e: unknown) => log.error({ err: e }, 'Envs:BuildFailed'),
    );
    return `building the default Python environment in the background into ${st.dir} (progress in the log)`;
  }

  /** Stops start-up work that can wait (the demo data) and waits for what is running to end. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.settled();
  }

  /** Resolves when the start-up build (if any) is over. */
  async settled(): Promise<void> {
    await this.startupBuild;
    await this.demo;
  }

  /** Resolves when the demo data made at start-up (if any) is in place. */
  async demoReady(): Promise<void> {
    await this.demo;
  }
}
