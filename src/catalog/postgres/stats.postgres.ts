/**
 * What the postgres driver knows about a collection's items, for extents, queryables and summaries (the
 * sqlite driver's rules: numbers as {minimum, maximum}, strings listed when there are at most 20).
 */
import type pg from 'pg';
import { SUMMARY_SKIP } from '../store.rules.ts';
import type { ItemStats, SeenProperty } from '../store.ts';
import { field } from './sql.postgres.ts';

export async function itemStats(pool: pg.Pool, collection: string): Promise<ItemStats> {
  const r = await pool.query<{
    n: string;
    s: string | null;
    e: string | null;
    x0: number | null;
    y0: number;
    x1: number;
    y1: number;
  }>(
    `SELECT count(*) AS n, min(start_dt) AS s, max(end_dt) AS e, min(minx) AS x0, min(miny) AS y0,
       max(maxx) AS x1, max(maxy) AS y1 FROM catalog_items WHERE collection = $1`,
    [collection],
  );
  const row = r.rows[0]!;
  return {
    count: Number(row.n),
    start: row.s,
    end: row.e,
    bbox: row.x0 === null ? null : [row.x0, row.y0, row.x1, row.y1],
  };
}

export async function seenProperties(pool: pg.Pool, collections: string[]): Promise<SeenProperty[]> {
  if (!collections.length) return [];
  const r = await pool.query<SeenProperty>(
    `SELECT name, min(type) AS type FROM catalog_properties WHERE collection = ANY($1::text[])
     GROUP BY name ORDER BY name`,
    [collections],
  );
  return r.rows;
}

export async function summarize(pool: pg.Pool, collection: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const prop of (await seenProperties(pool, [collection])).slice(0, 64)) {
    if (SUMMARY_SKIP.has(prop.name)) continue;
    const f = field(prop.name);
    if (prop.type === 'number' && f.kind === 'jsonb') {
      const num = `CASE WHEN jsonb_typeof(${f.sql}) = 'number' THEN (${f.sql})::float8 END`;
      const r = await pool.query<{ lo: number | null; hi: number | null }>(
        `SELECT min(${num}) AS lo, max(${num}) AS hi FROM catalog_items i WHERE collection = $1`,
        [collection],
      );
      const { lo, hi } = r.rows[0]!;
      if (lo !== null && hi !== null) out[prop.name] = { minimum: lo, maximum: hi };
    } else if (prop.type === 'string') {
      // The jsonb values themselves (as sqlite returns them): a number among strings stays a number.
      const r = await pool.query<{ v: unknown }>(
        `SELECT DISTINCT ${f.sql} AS v FROM catalog_items i
         WHERE collection = $1 AND ${f.sql} IS NOT NULL LIMIT 21`,
        [collection],
      );
      if (r.rows.length <= 20) out[prop.name] = r.rows.map((x) => x.v).sort();
    }
  }
  return out;
}
