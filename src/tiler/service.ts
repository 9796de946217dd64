/**
 * The data API's service: the shared byte-range cache, the dataset opener and the settings, built once in
 * services.ts (slot 5) and handed to the routes. No HTTP here.
 */
import type { Config } from '../core/config/keys.ts';
import type { Db } from '../core/db.ts';
import { ByteRangeCache } from './range-cache.ts';
import { SearchRegistry } from './searches.ts';
import { RenderPool } from './workers/pool.ts';
import { RasterSources, type StorageAccess } from './sources.ts';

export interface TilerService {
  cache: ByteRangeCache;
  sources: RasterSources;
  searches: SearchRegistry;
  /** Render worker threads; null renders on the event loop (`tiler.workers` = 0). */
  pool: RenderPool | null;
  /** Images being drawn now: one alone renders on the event loop (no hop to a worker). */
  drawing: { images: number };
  maxItemsPerTile: number;
  maxImageSize: number;
  /** Seconds, for Cache-Control. */
  cacheMaxAge: number;
}

export function buildTiler(config: Config, db: Db, storage: StorageAccess | null): TilerService {
  const cache = new ByteRangeCache(config['tiler.cacheSize']);
  return {
    cache,
    sources: new RasterSources(storage, cache, config['tiler.allowedHosts'], config['tiler.blockCacheSize']),
    searches: new SearchRegistry(db),
    pool: config['tiler.workers'] > 0 ? new RenderPool(config['tiler.workers']) : null,
    drawing: { images: 0 },
    maxItemsPerTile: config['tiler.maxItemsPerTile'],
    maxImageSize: config['tiler.maxImageSize'],
    cacheMaxAge: Math.round(config['tiler.cacheMaxAge'] / 1000),
  };
}
