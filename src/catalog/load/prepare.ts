/**
 * One batch of a bulk load, from text to rows: parses ndjson lines, checks every item exactly as the API
 * does (core and extension schemas, geometry, bbox, collection), and computes the rows the drivers write.
 * `stac load` runs this in worker threads (prepare.worker.ts); it has no I/O and returns, never throws.
 */
import { isTerraHubError, type ErrorCode } from '../../core/errors.ts';
import { collectProperties, itemRow, type ItemRow, type ItemRowGroup } from '../item-rows.ts';
import type { SeenProperty } from '../store.ts';
import { checkItemFor, type ValidationChecks } from '../validate.ts';
import { addItem, emptyStats, type LoadStats } from './load-stats.ts';
import { isCollection } from './stac-files.ts';

/** A batch as the reader cuts it: ndjson text (a JSON file's features are sent one a line too). */
export interface PrepareUnit {
  /** UTF-8 ndjson. */
  bytes: Uint8Array;
  file: string;
  /** The file's line number of the first line ('lines'), or the index of the first feature ('features'). */
  first: number;
  kind: 'lines' | 'features';
  /** Put every item into this collection (`--collection`); else each item's own `collection`. */
  collection?: string | undefined;
  checks: ValidationChecks;
}

export interface PrepareFailure {
  code: ErrorCode;
  /** Where and what, e.g. `items.ndjson:1207: item "x": item $.properties.datetime must be string`. */
  message: string;
  details: Record<string, unknown>;
}

export interface PreparedUnit {
  file: string;
  groups: ItemRowGroup[];
  /** Per collection, the line (or feature index) of each row of its group. */
  lines: Record<string, number[]>;
  stats: Record<string, LoadStats>;
  items: number;
}

export type Prepared = PreparedUnit | { failure: PrepareFailure };

interface Group {
  rows: ItemRow[];
  lines: number[];
  ids: Set<string>;
  properties: Map<string, SeenProperty['type']>;
  stats: LoadStats;
}

class ItemFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function prepareOne(
  text: string,
  line: number,
  doc: unknown,
  u: PrepareUnit,
  groups: Map<string, Group>,
): void {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ItemFailure('TH_INVALID_JSON', 'not a JSON object');
  const d = doc as Record<string, unknown>;
  if (isCollection(d)) return; // loaded before the items
  const own = typeof d['collection'] === 'string' ? d['collection'] : undefined;
  const cid = u.collection ?? own;
  if (!cid) throw new ItemFailure('TH_BAD_REQUEST', 'the item names no collection: pass --collection');
  if (u.collection) d['collection'] = u.collection;
  const item = checkItemFor(d, cid, u.checks);
  let g = groups.get(cid);
  if (!g)
    groups.set(
      cid,
      (g = { rows: [], lines: [], ids: new Set(), properties: new Map(), stats: emptyStats() }),
    );
  if (g.ids.has(item.id))
    throw new ItemFailure('TH_STAC_INVALID_ITEM', `item "${item.id}" appears twice in the batch`);
  g.ids.add(item.id);
  collectProperties(item, g.properties);
  // An item already naming its collection is stored as the line that holds it (the same JSON document).
  const row = itemRow(item, own === cid ? text.trim() : undefined);
  g.rows.push(row);
  g.lines.push(line);
  addItem(g.stats, row, item.properties, g.properties);
}

export function prepareUnit(u: PrepareUnit): Prepared {
  const lines = Buffer.from(u.bytes.buffer, u.bytes.byteOffset, u.bytes.byteLength)
    .toString('utf8')
    .split('\n');
  const groups = new Map<string, Group>();
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (!text.trim()) continue;
    let doc: unknown;
    try {
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new ItemFailure('TH_INVALID_JSON', `not JSON (${(e as Error).message})`);
      }
      prepareOne(text, u.first + i, doc, u, groups);
    } catch (e) {
      if (!(e instanceof ItemFailure) && !isTerraHubError(e)) throw e;
      const where = u.kind === 'lines' ? `${u.file}:${u.first + i}` : `${u.file} features[${u.first + i}]`;
      const id = (doc as { id?: unknown } | undefined)?.id;
      const details = e instanceof ItemFailure ? e.details : (e.details ?? {});
      return {
        failure: {
          code: e.code,
          message: `${where}: ${id === undefined ? '' : `item ${JSON.stringify(id)}: `}${e.message}`,
          details: { ...details, ...(u.kind === 'lines' ? { line: u.first + i } : { index: u.first + i }) },
        },
      };
    }
  }
  const out = [...groups].map(([collection, g]) => ({
    collection,
    rows: g.rows,
    properties: [...g.properties],
  }));
  const all = [...groups];
  return {
    file: u.file,
    groups: out,
    lines: Object.fromEntries(all.map(([collection, g]) => [collection, g.lines])),
    stats: Object.fromEntries(all.map(([collection, g]) => [collection, g.stats])),
    items: out.reduce((n, g) => n + g.rows.length, 0),
  };
}
