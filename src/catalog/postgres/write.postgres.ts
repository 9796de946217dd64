/**
 * The postgres driver's writes of items, set-based: a batch's rows go by one COPY FROM STDIN straight into
 * catalog_items (PostgreSQL routes them to the collections' partitions and maintains every index), the
 * geometry as EWKT text made here. Upserts and replaces first delete the rows they replace. All inside the
 * caller's transaction, so a batch lands whole or not at all. ETags are the rows' (a hash of the document,
 * as in the sqlite driver), so a client's If-Match means the same on either driver.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { TerraHubError } from '../../core/errors.ts';
import type { ItemRow, ItemRowGroup } from '../item-rows.ts';
import { checkWrite } from '../store.rules.ts';
import type { WriteOptions } from '../store.ts';
import { geoJsonToEwkt } from './wkt.postgres.ts';

const COPY = `COPY catalog_items
  (collection, id, datetime, start_dt, end_dt, geom, minx, miny, maxx, maxy, props, content, etag) FROM STDIN`;

/** COPY's text format: backslash, tab, newline and carriage return are escaped; `\N` is NULL. */
function field(v: string | number | null): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, escapeChar) : v;
}

function escapeChar(c: string): string {
  return c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r';
}

function copyLine(collection: string, r: ItemRow): string {
  const b = r.bbox;
  return [
    collection,
    r.id,
    r.start,
    r.start,
    r.end,
    r.geometry === null ? null : geoJsonToEwkt(r.geometry),
    b ? b[0] : null,
    b ? b[1] : null,
    b ? b[2] : null,
    b ? b[3] : null,
    r.props,
    r.content,
    r.etag,
  ]
    .map(field)
    .join('\t');
}

/** Streams the rows to COPY, a few hundred rows a write (the socket's backpressure kept). */
async function copyRows(client: PoolClient, rows: Array<[string, ItemRow]>): Promise<void> {
  const stream = client.query(copyFrom(COPY));
  const done = finished(stream);
  done.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
  for (let i = 0; i < rows.length; i += 256) {
    const text = rows
      .slice(i, i + 256)
      .map(([c, r]) => copyLine(c, r) + '\n')
      .join('');
    if (!stream.write(text)) await Promise.race([once(stream, 'drain'), done]);
  }
  stream.end();
  await done;
}

/** The id of an existing row that a COPY ran into (from PostgreSQL's unique-violation detail). */
function duplicateId(e: unknown, groups: ItemRowGroup[]): string | null {
  const detail = (e as { code?: unknown; detail?: unknown }).detail;
  if ((e as { code?: unknown }).code !== '23505' || typeof detail !== 'string') return null;
  const m = /^Key \(collection, id\)=\(([\s\S]*)\) already exists\.$/.exec(detail);
  if (!m) return null;
  const g = groups.find((x) => m[1]!.startsWith(`${x.collection}, `));
  return g ? m[1]!.slice(g.collection.length + 2) : null;
}

/**
 * Writes a batch in the open transaction of `client`. Create copies straight away (the primary key refuses
 * an existing id); upsert deletes the rows it replaces first; replace and If-Match read and lock the current
 * rows to check them.
 */
export async function writeRows(
  client: PoolClient,
  groups: ItemRowGroup[],
  opts: WriteOptions,
): Promise<void> {
  // One row per (collection, id): twice in one batch, create refuses (as the sqlite driver's unique index
  // does) and the other modes keep the last.
  const rows = new Map<string, [string, ItemRow]>();
  for (const g of groups) {
    for (const r of g.rows) {
      const key = `${g.collection}\u0000${r.id}`;
      if (rows.has(key) && opts.mode === 'create') checkWrite('item', r.id, 'in this batch', opts);
      rows.set(key, [g.collection, r]);
    }
  }
  if (!rows.size) return;
  for (const g of groups) {
    const ids = g.rows.map((r) => r.id);
    if (opts.mode === 'replace' || opts.ifMatch !== undefined) {
      const cur = await client.query<{ id: string; etag: string }>(
        'SELECT id, etag FROM catalog_items WHERE collection = $1 AND id = ANY($2::text[]) FOR UPDATE',
        [g.collection, ids],
      );
      const etags = new Map(cur.rows.map((r) => [r.id, r.etag]));
      for (const id of ids) checkWrite('item', id, etags.get(id), opts);
    }
    if (opts.mode !== 'create') {
      await client.query('DELETE FROM catalog_items WHERE collection = $1 AND id = ANY($2::text[])', [
        g.collection,
        ids,
      ]);
    }
  }
  try {
    await copyRows(client, [...rows.values()]);
  } catch (e) {
    const dup = duplicateId(e, groups);
    if (dup !== null) checkWrite('item', dup, 'existing', opts);
    if ((e as { code?: unknown }).code === '23505')
      throw new TerraHubError('TH_STAC_ITEM_EXISTS', 'an item of the batch already exists');
    throw e;
  }
}
