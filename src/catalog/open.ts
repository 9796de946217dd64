/**
 * Opening the catalog without its HTTP side: the configured CatalogStore driver and the CatalogService. The
 * server builds it in services.ts; `terrahub stac load` opens only this (not the whole server), so that a
 * load starts in a fraction of the time.
 */
import type { Config } from '../core/config/keys.ts';
import type { Db } from '../core/db.ts';
import { TerraHubError } from '../core/errors.ts';
import type { Principal } from '../core/identity/index.ts';
import { PostgresCatalogStore } from './postgres/store.postgres.ts';
import { CatalogService } from './service.ts';
import { SqliteCatalogStore } from './sqlite/store.sqlite.ts';
import type { CatalogStore } from './store.ts';

export interface CatalogConfig {
  driver: 'sqlite' | 'postgres';
  countLimit: number;
  /** Check extension schemas on write (catalog.validateExtensions); default true. */
  validateExtensions?: boolean | undefined;
  /** With driver postgres (catalog.postgres.* settings). */
  postgres?: { url: string; schema: string; poolSize: number } | undefined;
}

/** Builds the configured CatalogStore (postgres: connects and migrates, or fails now) and the service. */
export async function createCatalog(db: Db, cfg: CatalogConfig): Promise<CatalogService> {
  let store: CatalogStore;
  if (cfg.driver === 'postgres') {
    if (!cfg.postgres?.url) {
      throw new TerraHubError(
        'TH_UNAVAILABLE',
        'catalog.driver is postgres but catalog.postgres.url is not set',
      );
    }
    store = await PostgresCatalogStore.open(cfg.postgres);
  } else store = new SqliteCatalogStore(db);
  return new CatalogService(store, {
    countLimit: cfg.countLimit,
    validateExtensions: cfg.validateExtensions ?? true,
  });
}

/** A principal with every right, for the server's own trusted work (never for a request). */
export function systemPrincipal(): Principal {
  return {
    user: { id: 0, name: 'system', admin: true, groups: [], created: '', lastActivity: null },
    scopes: new Set(['admin', 'read:catalog', 'write:catalog']),
    tokenId: null,
  };
}

/** The catalog's settings (catalog.*) as createCatalog takes them. */
export function catalogConfigFrom(config: Config): CatalogConfig {
  return {
    driver: config['catalog.driver'],
    countLimit: config['catalog.countLimit'],
    validateExtensions: config['catalog.validateExtensions'],
    postgres: {
      url: config['catalog.postgres.url'],
      schema: config['catalog.postgres.schema'],
      poolSize: config['catalog.postgres.poolSize'],
    },
  };
}
