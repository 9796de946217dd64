/** `terrahub stac load <path>`: bulk-load STAC collections and items into the local catalog. */
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { systemPrincipal } from '../../catalog/index.ts';
import { loadStac } from '../../catalog/load/load.ts';
import { withServices } from '../context.ts';

export function stacLoadCommand(): Command {
  return new Command('load')
    .description(
      'Load STAC files (Collection JSON, ItemCollection JSON, item ndjson, or a directory of them) into the catalog of the local data directory; each batch is loaded whole or not at all',
    )
    .argument('<path>', 'file or directory')
    .option('--collection <id>', 'put every item into this collection (default: each item\'s "collection")')
    .option(
      '--upsert',
      'replace items and collections that exist (default: an existing id is an error)',
      false,
    )
    .option('--batch-size <n>', 'items per all-or-nothing batch', '1000')
    .option('--no-progress', 'do not show a progress bar')
    .action(
      async (
        path: string,
        opts: { collection?: string; upsert: boolean; batchSize: string; progress: boolean },
        cmd: Command,
      ) => {
        const batchSize = Math.max(1, Number.parseInt(opts.batchSize, 10) || 1000);
        const bar = new SingleBar({
          format: 'loading {bar} {value}/{total} items ({percentage}%) {eta_formatted} left',
          stream: process.stderr,
          hideCursor: true,
        });
        const started = Date.now();
        const r = await withServices(cmd, (s) =>
          loadStac(s.catalog, systemPrincipal(), path, {
            collection: opts.collection,
            upsert: opts.upsert,
            batchSize,
            ...(opts.progress && process.stderr.isTTY
              ? {
                  progress: {
                    start: (t: number) => bar.start(t, 0),
                    advance: (n: number) => bar.increment(n),
                    stop: () => bar.stop(),
                  },
                }
              : {}),
          }),
        );
        const secs = (Date.now() - started) / 1000;
        process.stdout.write(
          `loaded ${r.collections} collection(s) and ${r.items} item(s) in ${secs.toFixed(1)} s (${Math.round(r.items / Math.max(secs, 0.001))} items/s)\n`,
        );
      },
    );
}
