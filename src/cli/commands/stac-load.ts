/** `terrahub stac load <path>`: bulk-load STAC collections and items into the local catalog. */
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadStac } from '../../catalog/load/load.ts';
import { catalogConfigFrom, createCatalog, systemPrincipal } from '../../catalog/open.ts';
import type { CatalogService } from '../../catalog/service.ts';
import { openDatabase, type Db } from '../../core/db.ts';
import { CliError, configFrom, EXIT } from '../context.ts';

/**
 * Runs `fn` with the catalog of the configured data directory: only the state database and the catalog are
 * opened (not the whole server's services), so that a load starts quickly.
 */
async function withCatalog<T>(cmd: Command, fn: (catalog: CatalogService, db: Db) => Promise<T>): Promise<T> {
  const config = configFrom(cmd);
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(join(dataDir, 'terrahub.db'));
  // This connection only: a page cache of up to 256 MiB keeps the indexes a large load updates in memory
  // (SQLite's default is 2 MiB).
  db.pragma('cache_size = -262144');
  try {
    const catalog = await createCatalog(db, catalogConfigFrom(config));
    try {
      return await fn(catalog, db);
    } finally {
      await catalog.store.close();
    }
  } finally {
    db.close();
  }
}

export function stacLoadCommand(): Command {
  return new Command('load')
    .description(
      'Load STAC files (Collection JSON, ItemCollection JSON, item ndjson, or a directory of them) into the catalog of the local data directory; each batch is loaded whole or not at all, and the first bad item stops the load',
    )
    .argument('<path>', 'file or directory')
    .option('--collection <id>', 'put every item into this collection (default: each item\'s "collection")')
    .option(
      '--upsert',
      'replace items and collections that exist (default: an existing id is an error)',
      false,
    )
    .option('--batch-size <n>', 'items per all-or-nothing batch (one transaction)', '5000')
    .option(
      '--workers <n>',
      'threads that parse and validate items while the main thread writes (0: none; default: one per core)',
    )
    .option('--no-progress', 'do not show a progress bar')
    .action(
      async (
        path: string,
        opts: {
          collection?: string;
          upsert: boolean;
          batchSize: string;
          workers?: string;
          progress: boolean;
        },
        cmd: Command,
      ) => {
        const batchSize = Math.max(1, Number.parseInt(opts.batchSize, 10) || 5000);
        const workers = opts.workers === undefined ? undefined : Number.parseInt(opts.workers, 10);
        if (workers !== undefined && !(workers >= 0 && workers <= 64))
          throw new CliError('--workers must be a number from 0 to 64', EXIT.usage);
        const bar = new SingleBar({
          format: 'loading {bar} {value}/{total} items ({percentage}%) {eta_formatted} left',
          stream: process.stderr,
          hideCursor: true,
        });
        const started = Date.now();
        const r = await withCatalog(cmd, async (catalog, db) => {
          const loaded = await loadStac(catalog, systemPrincipal(), path, {
            collection: opts.collection,
            upsert: opts.upsert,
            batchSize,
            workers,
            ...(opts.progress && process.stderr.isTTY
              ? {
                  progress: {
                    start: (t: number) => bar.start(t, 0),
                    advance: (n: number) => bar.increment(n),
                    stop: () => bar.stop(),
                  },
                }
              : {}),
          });
          // The state database commits in WAL mode with synchronous=NORMAL: a checkpoint syncs the WAL, so
          // the load is on disk when the command ends (even while a running server keeps the database open).
          if (catalog.store.driver === 'sqlite') db.pragma('wal_checkpoint(PASSIVE)');
          return loaded;
        });
        const secs = (Date.now() - started) / 1000;
        process.stdout.write(
          `loaded ${r.collections} collection(s) and ${r.items} item(s) in ${secs.toFixed(1)} s (${Math.round(r.items / Math.max(secs, 0.001))} items/s)\n`,
        );
      },
    );
}
