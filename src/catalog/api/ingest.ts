/**
 * Streaming ndjson ingest: reads one item a line and writes them in batches, each batch all or nothing.
 * A bad line stops the stream with a 400 that says which line failed and how many items were committed
 * before it, so a client can resume.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { TerraHubError } from '../../core/errors.ts';
import type { Principal } from '../../core/identity/index.ts';
import type { CatalogService } from '../service.ts';

export interface IngestResult {
  committed: number;
  batches: number;
}

export async function ingestNdjson(
  catalog: CatalogService,
  p: Principal,
  collectionId: string,
  body: Readable,
  opts: { mode: 'create' | 'upsert'; batchSize: number },
): Promise<IngestResult> {
  await catalog.getStoredCollection(p, collectionId);
  let batch: unknown[] = [];
  /** The input line of each item of the batch (blank lines are skipped, so they may differ). */
  let lines: number[] = [];
  let line = 0;
  const done: IngestResult = { committed: 0, batches: 0 };
  const flush = async () => {
    if (!batch.length) return;
    try {
      await catalog.upsertItems(p, collectionId, batch, { mode: opts.mode });
    } catch (e) {
      if (e instanceof TerraHubError) {
        const idx = typeof e.details?.['index'] === 'number' ? e.details['index'] : 0;
        const failedLine = lines[idx] ?? lines[0] ?? line;
        throw new TerraHubError(
          e.code,
          `line ${failedLine}: ${e.message} (${done.committed} items committed before this batch)`,
          {
            ...e.details,
            line: failedLine,
            committed: done.committed,
          },
        );
      }
      throw e;
    }
    done.committed += batch.length;
    done.batches++;
    batch = [];
    lines = [];
  };
  for await (const text of createInterface({ input: body, crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    try {
      batch.push(JSON.parse(text));
      lines.push(line);
    } catch {
      throw new TerraHubError(
        'TH_INVALID_JSON',
        `line ${line} is not valid JSON (${done.committed} items committed before)`,
        {
          line,
          committed: done.committed,
        },
      );
    }
    if (batch.length >= opts.batchSize) await flush();
  }
  await flush();
  return done;
}
