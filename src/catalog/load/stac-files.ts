/**
 * Reading STAC documents from files for bulk loading: a Collection JSON, an ItemCollection JSON, an item
 * JSON, or ndjson (one item or collection a line), and directories of those. Files are read in large
 * chunks and items handed on as batches of ndjson text (parsed by stac load's workers), so that files of any
 * size stream through in bounded memory.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Bytes of the STAC files under `path` (to judge whether a load is worth starting workers for). */
export function stacFilesSize(path: string): number {
  return listFiles(path).reduce((n, f) => n + statSync(f).size, 0);
}

/**
 * A collection: `type: "Collection"`, or (STAC before 1.0, which had no type for collections) a document
 * with an extent and a license; those are given their type so that they validate as 1.0 collections.
 */
export function isCollection(doc: Record<string, unknown>): boolean {
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

const NEWLINE = 0x0a;
const CHUNK = 16 << 20;
const MARKS = ['"Collection"', '"extent"'].map((m) => Buffer.from(m));

/** The chunks of a file, each ending at a line end (or at the end of the file), with its first line number. */
async function* lineChunks(
  f: string,
  size = CHUNK,
): AsyncGenerator<{ buf: Buffer; first: number; lines: number }> {
  const fh = await open(f, 'r');
  try {
    let carry = Buffer.alloc(0);
    let first = 1;
    for (;;) {
      const chunk = Buffer.allocUnsafe(size);
      const { bytesRead } = await fh.read(chunk, 0, size, null);
      const buf = carry.length
        ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
        : chunk.subarray(0, bytesRead);
      const end = bytesRead ? buf.lastIndexOf(NEWLINE) + 1 : buf.length;
      if (end > 0) {
        const lines = countLines(buf, end);
        yield { buf: buf.subarray(0, end), first, lines };
        first += lines;
      }
      carry = buf.subarray(end);
      if (!bytesRead) return;
    }
  } finally {
    await fh.close();
  }
}

function countLines(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1 && i < end; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return end > 0 && buf[end - 1] !== NEWLINE ? n + 1 : n;
}

/** The lines of `buf` that hold one of MARKS (the only ones that may be collections), as [text, index]. */
function markedLines(buf: Buffer): Array<[string, number]> {
  const starts = new Set<number>();
  for (const m of MARKS) {
    for (let i = buf.indexOf(m); i !== -1; i = buf.indexOf(m, i + 1)) {
      const s = buf.lastIndexOf(NEWLINE, i) + 1;
      starts.add(s);
      const next = buf.indexOf(NEWLINE, i);
      i = next === -1 ? buf.length : next;
    }
  }
  return [...starts]
    .sort((a, b) => a - b)
    .map((s) => {
      const e = buf.indexOf(NEWLINE, s);
      return [buf.toString('utf8', s, e === -1 ? buf.length : e), countLines(buf, s)];
    });
}

/** Scans the files once: collections are kept, items only counted (lines are parsed only when marked). */
export async function scanStacFiles(path: string): Promise<StacFileSet> {
  const out: StacFileSet = { collections: [], itemFiles: [], itemCount: 0 };
  for (const f of listFiles(path)) {
    if (isNdjson(f)) {
      let items = 0;
      for await (const { buf, first, lines } of lineChunks(f)) {
        items += lines - countBlank(buf);
        for (const [text, index] of markedLines(buf)) {
          const doc = parseLine(text, `${f}:${first + index}`);
          if (isCollection(doc)) {
            out.collections.push(doc);
            items--;
          }
        }
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

/** Empty lines (two line ends in a row, or one at the start): not items. Whitespace-only lines are rare. */
function countBlank(buf: Buffer): number {
  let n = buf[0] === NEWLINE ? 1 : 0;
  for (let i = buf.indexOf('\n\n'); i !== -1; i = buf.indexOf('\n\n', i + 1)) n++;
  return n;
}

/** A batch of at most `size` lines (or features) of one file, as ndjson bytes of their own. */
export interface TextBatch {
  bytes: Uint8Array;
  file: string;
  first: number;
  kind: 'lines' | 'features';
}

/** The item files cut into batches of `size` lines (ndjson) or features (JSON files); files are read in chunks of `chunkSize` bytes. */
export async function* textBatches(
  files: string[],
  size: number,
  chunkSize = CHUNK,
): AsyncGenerator<TextBatch> {
  for (const f of files) {
    if (!isNdjson(f)) {
      const doc = parseLine(readFileSync(f, 'utf8'), f);
      const features = doc['type'] === 'FeatureCollection' ? (doc['features'] as unknown[]) : [doc];
      for (let i = 0; i < features.length; i += size) {
        const text = features
          .slice(i, i + size)
          .map((x) => JSON.stringify(x))
          .join('\n');
        yield { bytes: new Uint8Array(Buffer.from(text)), file: f, first: i, kind: 'features' };
      }
      continue;
    }
    let pending: Buffer[] = [];
    let pendingLines = 0;
    let first = 1;
    for await (const chunk of lineChunks(f, chunkSize)) {
      let { buf } = chunk;
      // Whole batches out of this chunk (and the lines left over from the one before).
      for (;;) {
        let pos = 0;
        let n = pendingLines;
        while (n < size) {
          const nl = buf.indexOf(NEWLINE, pos);
          if (nl === -1) break;
          pos = nl + 1;
          n++;
        }
        if (n < size) break;
        yield batchOf([...pending, buf.subarray(0, pos)], f, first);
        first += size;
        pending = [];
        pendingLines = 0;
        buf = buf.subarray(pos);
      }
      if (buf.length) {
        pending.push(buf);
        pendingLines += countLines(buf, buf.length);
      }
    }
    if (pending.length) yield batchOf(pending, f, first);
  }
}

function batchOf(parts: Buffer[], file: string, first: number): TextBatch {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, file, first, kind: 'lines' };
}
