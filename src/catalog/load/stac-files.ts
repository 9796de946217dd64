/**
 * Reading STAC documents from files for bulk loading: a Collection JSON, an ItemCollection JSON, an item
 * JSON, or ndjson (one item or collection a line), and directories of those. Items are yielded in batches
 * so that files of any size stream through in bounded memory.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TerraHubError } from '../../core/errors.ts';

export interface StacFileSet {
  /** Collection documents found (loaded before any item). */
  collections: Array<Record<string, unknown>>;
  /** Files holding items: ndjson or JSON (ItemCollection or single Feature). */
  itemFiles: string[];
  /** How many items the files hold (for the progress bar). */
  itemCount: number;
}

function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => listFiles(join(path, n)))
    .filter((f) => /\.(nd)?json(l)?$/i.test(f));
}

/**
 * A collection: `type: "Collection"`, or (STAC before 1.0, which had no type for collections) a document
 * with an extent and a license; those are given their type so that they validate as 1.0 collections.
 */
function isCollection(doc: Record<string, unknown>): boolean {
  if (doc['type'] === 'Collection') return true;
  if (doc['type'] === undefined && doc['extent'] && doc['license']) {
    doc['type'] = 'Collection';
    return true;
  }
  return false;
}

function isNdjson(f: string): boolean {
  return /\.(ndjson|jsonl)$/i.test(f);
}

function parseLine(text: string, where: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new TerraHubError('TH_INVALID_JSON', `${where}: not a JSON object (${(e as Error).message})`);
  }
}

/** Scans the files once: collections are kept, items only counted. */
export async function scanStacFiles(path: string): Promise<StacFileSet> {
  const out: StacFileSet = { collections: [], itemFiles: [], itemCount: 0 };
  for (const f of listFiles(path)) {
    if (isNdjson(f)) {
      let items = 0;
      let line = 0;
      for await (const text of createInterface({ input: createReadStream(f), crlfDelay: Infinity })) {
        line++;
        if (!text.trim()) continue;
        // Items are only counted here; a line is parsed only when it may be a collection.
        if (text.includes('"Collection"') || text.includes('"extent"')) {
          const doc = parseLine(text, `${f}:${line}`);
          if (isCollection(doc)) {
            out.collections.push(doc);
            continue;
          }
        }
        items++;
      }
      if (items) {
        out.itemFiles.push(f);
        out.itemCount += items;
      }
      continue;
    }
    const doc = parseLine(readFileSync(f, 'utf8'), f);
    if (isCollection(doc)) out.collections.push(doc);
    else if (doc['type'] === 'FeatureCollection') {
      out.itemFiles.push(f);
      out.itemCount += Array.isArray(doc['features']) ? doc['features'].length : 0;
    } else if (doc['type'] === 'Feature') {
      out.itemFiles.push(f);
      out.itemCount += 1;
    }
    // Other JSON (catalogs, configuration) is not ours to load and is skipped.
  }
  return out;
}

/** Items of the files in batches of `size`. */
export async function* itemBatches(
  files: string[],
  size: number,
): AsyncGenerator<Array<Record<string, unknown>>> {
  let batch: Array<Record<string, unknown>> = [];
  for (const f of files) {
    if (isNdjson(f)) {
      let line = 0;
      for await (const text of createInterface({ input: createReadStream(f), crlfDelay: Infinity })) {
        line++;
        if (!text.trim()) continue;
        const doc = parseLine(text, `${f}:${line}`);
        if (isCollection(doc)) continue;
        batch.push(doc);
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      continue;
    }
    const doc = parseLine(readFileSync(f, 'utf8'), f);
    const features =
      doc['type'] === 'FeatureCollection' ? (doc['features'] as Array<Record<string, unknown>>) : [doc];
    for (const it of features) {
      batch.push(it);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}
