/**
 * Builds TerraHub's domain services from the configuration: database, identity, drivers and each area's
 * service, with no HTTP. The CLI uses this directly (`terrahub user add` works on the data directory), and the
 * HTTP composition root (app.ts) builds on it.
 *
 * Order matters and is commented: later services may subscribe to earlier ones' events.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { catalogConfigFrom, createCatalog, type CatalogService } from '../catalog/index.ts';
import type { Config } from '../core/config/keys.ts';
import { publicUrls } from '../core/config/public-urls.ts';
import { openDatabase, type Db } from '../core/db.ts';
import { Metrics } from '../core/http/metrics.ts';
import { Identity } from '../core/identity/index.ts';
import { EnvironmentService } from '../envs/service.ts';
import type { Logger } from '../core/log.ts';
import { HubService } from '../hub/service.ts';
import { buildStorage, type StorageService } from '../storage/index.ts';
import { buildTiler, type TilerService } from '../tiler/service.ts';

export interface Services {
  config: Config;
  log: Logger;
  /** Absolute path of the data directory. */
  dataDir: string;
  db: Db;
  metrics: Metrics;
  identity: Identity;
  /** Object storage: buckets, policies, quotas, objects (src/storage/index.ts documents it). */
  storage: StorageService;
  /** The STAC catalog (src/catalog/index.ts documents it). */
  catalog: CatalogService;
  /** The data API's caches and dataset opener (src/tiler/service.ts). */
  tiler: TilerService;
  /** URL of the main origin as users reach it (no trailing slash). */
  publicUrl: string;
  /** URL of the S3 endpoint as users reach it (no trailing slash). */
  s3PublicUrl: string;
  /** The hub: servers, sessions, spawner, culler (slot 6). */
  hub?: HubService;
  /** Users' Python environments, quickstarts and process environment variables (src/envs/service.ts). */
  envs: EnvironmentService;
  /** Things to close, last first, when TerraHub stops. */
  closers: Array<() => Promise<void> | void>;
}

export async function buildServices(config: Config, log: Logger): Promise<Services> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });

  // 1. State database; each area applies its own migrations when its service is made.
  const db = openDatabase(join(dataDir, 'terrahub.db'));
  const closers: Services['closers'] = [
    () => {
      db.close();
    },
  ];

  // 2. Identity: users, tokens, S3 keys. Everything below authorizes against it.
  const identity = new Identity(db, { tokenMaxAgeMs: config['auth.tokenMaxAge'] });

  // Area services below are filled in by their numbered steps.
  const services = {
    config,
    log,
    dataDir,
    db,
    metrics: new Metrics(),
    identity,
    ...publicUrls(config),
    closers,
  } as Services;

  // 3. Storage (ObjectStore driver, buckets, quotas): subscribes to user creation for home buckets.
  const storage = await buildStorage({
    config,
    dataDir,
    db,
    identity,
    s3PublicUrl: () => services.s3PublicUrl,
  });
  closers.push(storage.close);
  services.storage = storage.storage;

  // 4. Catalog (CatalogStore driver): STAC collections and items, in the state database by default.
  services.catalog = await createCatalog(db, catalogConfigFrom(config));
  closers.push(() => services.catalog.store.close());

  // 5. Raster / data API caches: one byte-range cache shared by every request, reading through storage.
  services.tiler = buildTiler(config, db, services.storage);
  closers.push(() => services.tiler.pool?.close());

  // 6. Hub (launcher, spawner, culler) and environments. Its background loop starts with the HTTP apps.
  // 6a. Environments (users' Python venvs, quickstarts, user environment variables), before the hub that uses them.
  services.envs = new EnvironmentService({ ...services, urls: () => services });
  closers.push(() => services.envs.close()); // start-up work stops before storage and catalog close
  const hub = new HubService({
    ...services,
    urls: () => services,
    // Each user finds the quickstart notebooks in their home (never overwritten once there).
    onHomeReady: (home, owner) => {
      services.envs.installQuickstarts(home, owner);
    },
  });
  services.hub = hub;
  closers.push(() => hub.close());

  return services;
}

/** Closes what buildServices opened, in reverse order. */
export async function closeServices(s: Services): Promise<void> {
  for (const close of [...s.closers].reverse()) {
    try {
      await close();
    } catch (e) {
      s.log.error({ err: e }, 'Shutdown:CloseFailed');
    }
  }
}
