/**
 * numberMatched for the postgres driver, with the sqlite driver's rule: exact when the searched collections
 * hold at most countLimit items; beyond, the matches among the first countLimit items scaled to the total.
 * The total itself comes from the planner's row estimate of the partitions (counting millions of rows would
 * cost what the bound is there to avoid), or from count(*) when that estimate is plainly stale.
 */
import type { SearchQuery } from '../model.ts';
import { whereSql } from './search.postgres.ts';
import { Params } from './sql.postgres.ts';

type Run = (sql: string, values: unknown[]) => Promise<Array<Record<string, unknown>>>;

export async function countMatches(
  run: Run,
  q: SearchQuery,
  atLeast: number,
): Promise<{ n: number; exact: boolean }> {
  const held = await run(
    `SELECT count(*) AS n FROM (SELECT 1 FROM catalog_items WHERE collection = ANY($1::text[]) LIMIT $2) x`,
    [q.collections, q.countLimit + 1],
  );
  const p = new Params();
  const where = whereSql(q, p);
  if (Number(held[0]!['n']) <= q.countLimit) {
    const r = await run(`SELECT count(*) AS n FROM catalog_items i WHERE ${where}`, p.values);
    return { n: Number(r[0]!['n']), exact: true };
  }
  const sample = p.add(q.countLimit, 'int8');
  const matched = await run(
    `SELECT count(*) AS n FROM (SELECT * FROM catalog_items WHERE collection = ANY(${p.add(q.collections, 'text[]')})
       LIMIT ${sample}) i WHERE ${where}`,
    p.values,
  );
  const total = await totalItems(run, q.collections, q.countLimit);
  const n = Math.round((Number(matched[0]!['n']) * total) / q.countLimit);
  return { n: Math.max(n, atLeast), exact: false };
}

async function totalItems(run: Run, collections: string[], countLimit: number): Promise<number> {
  const est = await run(
    `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0) AS n FROM catalog_collections cc
       JOIN pg_class c ON c.oid = to_regclass(quote_ident(cc.partition)) WHERE cc.id = ANY($1::text[])`,
    [collections],
  );
  // The caller knows there are more than countLimit items: an estimate saying otherwise is stale (never
  // analyzed, or analyzed before most items came), and only then are they counted.
  const n = Number(est[0]!['n']);
  if (n > countLimit) return n;
  const r = await run('SELECT count(*) AS n FROM catalog_items WHERE collection = ANY($1::text[])', [
    collections,
  ]);
  return Number(r[0]!['n']);
}
