/**
 * The postgres driver's writes of items: a batch is one multi-row INSERT per 2,000 items inside the caller's
 * transaction, so it lands whole or not at all. ETags are the sqlite
 * driver's (a hash of the document), so a client's If-Match means the same on either driver.
 */
import type { PoolClient } from 'pg';
import { geometryBbox } from '../geometry.ts';
import type { StacItem, StoredItem } from '../model.ts';
import { checkWrite, etagOf } from '../store.rules.ts';
import type { SeenProperty, WriteOptions } from '../store.ts';
import { itemTimeRange } from '../time.ts';

export function jsonType(v: unknown): SeenProperty['type'] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : null;
}

/** Rows per INSERT: 11 parameters a row stay under PostgreSQL's 65,535 parameters per statement. */
const ROWS_PER_STATEMENT = 2000;

/**
 * A multi-row INSERT. Each value is its own parameter: PostgreSQL parses plain parameters far faster than
 * the same documents packed into text[] array literals (array_in unescapes every quote of every document).
 */
function insertSql(rows: number): string {
  const values = Array.from({ length: rows }, (_, r) => {
    const b = 2 + r * 11;
    return `(${Array.from({ length: 11 }, (_, k) => `$${b + k}`).join(', ')})`;
  });
  return `INSERT INTO catalog_items AS t
    (collection, id, datetime, start_dt, end_dt, geom, minx, miny, maxx, maxy, props, content, etag)
  SELECT $1::text, u.id, u.s, u.s, u.e, ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(u.g)), 4326),
    u.x0::float8, u.y0::float8, u.x1::float8, u.y1::float8, u.p::jsonb, u.c, u.etag
  FROM (VALUES ${values.join(', ')}) AS u(id, s, e, g, x0, y0, x1, y1, p, c, etag)`;
}

const ON_CONFLICT_UPDATE = `ON CONFLICT (collection, id) DO UPDATE SET datetime = excluded.datetime,
    start_dt = excluded.start_dt, end_dt = excluded.end_dt, geom = excluded.geom, minx = excluded.minx,
    miny = excluded.miny, maxx = excluded.maxx, maxy = excluded.maxy, props = excluded.props,
    content = excluded.content, etag = excluded.etag`;

/**
 * Writes one batch in the open transaction of `client`. Without If-Match, create and upsert need no read
 * first (the INSERT's conflict clause decides); replace and If-Match read and lock the current rows.
 */
export async function writeItems(
  client: PoolClient,
  collection: string,
  items: StacItem[],
  opts: WriteOptions,
): Promise<StoredItem[]> {
  const out = items.map((item) => ({ item, etag: etagOf(JSON.stringify(item)) }));
  const rows = new Map<string, { item: StacItem; etag: string }>();
  for (const w of out) {
    // Twice in one batch: create refuses (as the sqlite driver does), other modes keep the last.
    if (rows.has(w.item.id) && opts.mode === 'create') checkWrite('item', w.item.id, 'in this batch', opts);
    rows.set(w.item.id, w);
  }
  const ids = [...rows.keys()];
  if (opts.mode === 'replace' || opts.ifMatch !== undefined) {
    const cur = await client.query<{ id: string; etag: string }>(
      'SELECT id, etag FROM catalog_items WHERE collection = $1 AND id = ANY($2::text[]) FOR UPDATE',
      [collection, ids],
    );
    const etags = new Map(cur.rows.map((r) => [r.id, r.etag]));
    for (const id of ids) checkWrite('item', id, etags.get(id), opts);
  }
  const rowValues = [...rows.values()].map(({ item, etag }) => {
    const t = itemTimeRange(item.properties);
    const b = item.geometry ? geometryBbox(item.geometry) : null;
    return [
      item.id,
      t.start,
      t.end,
      item.geometry ? JSON.stringify(item.geometry) : null,
      b?.[0] ?? null,
      b?.[1] ?? null,
      b?.[2] ?? null,
      b?.[3] ?? null,
      JSON.stringify(item.properties),
      JSON.stringify(item),
      etag,
    ];
  });
  const conflict = opts.mode === 'create' ? 'ON CONFLICT (collection, id) DO NOTHING' : ON_CONFLICT_UPDATE;
  const written = new Set<string>();
  for (let i = 0; i < rowValues.length; i += ROWS_PER_STATEMENT) {
    const chunk = rowValues.slice(i, i + ROWS_PER_STATEMENT);
    const r = await client.query<{ id: string }>(`${insertSql(chunk.length)} ${conflict} RETURNING t.id`, [
      collection,
      ...chunk.flat(),
    ]);
    for (const x of r.rows) written.add(x.id);
  }
  if (opts.mode === 'create' && written.size < ids.length) {
    const dup = ids.find((id) => !written.has(id))!;
    checkWrite('item', dup, 'existing', opts);
  }
  return out;
}

/** The properties of a batch with their JSON types, for the properties table. */
export function batchProperties(items: StacItem[], known: Set<string>): Map<string, SeenProperty['type']> {
  const found = new Map<string, SeenProperty['type']>();
  for (const item of items) {
    for (const [name, v] of Object.entries(item.properties)) {
      if (known.has(name) || found.has(name)) continue;
      const type = jsonType(v);
      if (type) found.set(name, type);
    }
  }
  return found;
}
