/**
 * numberMatched for the sqlite driver: exact when the searched collections hold at most countLimit items;
 * beyond, the matches among the first countLimit items scaled to the total. The total per collection is kept
 * by triggers (table catalog_counts, migration 3): COUNT(*) would walk an index of every item.
 */
import type { Db } from '../../core/db.ts';
import type { SearchQuery } from '../model.ts';
import type { SqlPart } from './search.sqlite.ts';

/** The columns the sample reads (never the document itself, which is large and stored in overflow pages). */
const SAMPLE_COLUMNS =
  'rid, collection, id, datetime, start_dt, end_dt, geometry, props, minx, miny, maxx, maxy';

/** `atLeast`: what the page has shown to exist (an estimate never says fewer). */
export function countMatches(
  db: Db,
  q: SearchQuery,
  where: SqlPart,
  atLeast: number,
): { n: number; exact: boolean } {
  const inList = q.collections.map(() => '?').join(',');
  const total = (
    db
      .prepare(`SELECT coalesce(SUM(n), 0) AS n FROM catalog_counts WHERE collection IN (${inList})`)
      .get(...q.collections) as { n: number }
  ).n;
  const sample = Math.min(total, q.countLimit);
  const matched = (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM (SELECT ${SAMPLE_COLUMNS} FROM catalog_items
           WHERE collection IN (${inList}) LIMIT ?) i
         WHERE ${where.sql}`,
      )
      .get(...q.collections, sample, ...where.params) as { n: number }
  ).n;
  if (total <= q.countLimit) return { n: matched, exact: true };
  return { n: Math.max(Math.round((matched * total) / sample), atLeast), exact: false };
}
