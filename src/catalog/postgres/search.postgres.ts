/**
 * A SearchQuery as PostgreSQL: the WHERE clause (collections, which prunes partitions; ids; PostGIS tests on
 * the GIST index; time overlap on the btree indexes; CQL2; free text). Sorting and the keyset condition are
 * in sql.postgres.ts.
 */
import { geometryBbox } from '../geometry.ts';
import type { SearchQuery } from '../model.ts';
import { cql2ToPostgres } from './cql2.postgres.ts';
import type { Params } from './sql.postgres.ts';

/** An item's time span as the space-time index (migration 3) has it: the same expression, or no index. */
export const TIME_RANGE = "catalog_trange(least(i.start_dt, i.end_dt), greatest(i.start_dt, i.end_dt), '[]')";

/** Square degrees above which a spatial condition is treated as matching most items (see whereSql). */
const LARGE_AREA = 900;

export function whereSql(q: SearchQuery, p: Params): string {
  if (q.collections.length === 0) return 'FALSE';
  const conds = [`i.collection = ANY(${p.add(q.collections, 'text[]')})`];
  if (q.ids?.length) conds.push(`i.id = ANY(${p.add(q.ids, 'text[]')})`);
  let area = Infinity;
  if (q.intersects) {
    const g = p.add(JSON.stringify(q.intersects), 'text');
    conds.push(`ST_Intersects(i.geom, ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(${g})), 4326))`);
    const b = geometryBbox(q.intersects);
    area = b ? (b[2] - b[0]) * (b[3] - b[1]) : Infinity;
  } else if (q.bboxes?.length) {
    // ST_Intersects tests the boxes on the index first, then the exact shapes (an item whose bbox overlaps
    // but whose footprint does not is no match, as in the sqlite driver).
    const boxes = q.bboxes.map((b) => {
      const env = b.map((x) => p.add(x, 'float8')).join(', ');
      return `ST_Intersects(i.geom, ST_MakeEnvelope(${env}, 4326))`;
    });
    conds.push(`(${boxes.join(' OR ')})`);
    area = q.bboxes.reduce((a, b) => a + (b[2] - b[0]) * (b[3] - b[1]), 0);
  }
  const t = q.datetime;
  if (t && (t.start || t.end)) {
    const spatial = area !== Infinity;
    if (spatial) {
      // Space and time together on the (geom, time span) index; an open end is an unbounded range.
      conds.push(`${TIME_RANGE} && catalog_trange(${p.add(t.start, 'text')}, ${p.add(t.end, 'text')}, '[]')`);
    }
    // Beside a small box the exact tests are kept out of the planner's index choices (IS TRUE): it would
    // otherwise AND the start/end btrees in, each a scan of most items. Beside a large one, a time btree
    // may be the better path, and the planner weighs them.
    const hide = spatial && area <= LARGE_AREA ? ' IS TRUE' : '';
    if (t.start) conds.push(`(i.end_dt >= ${p.add(t.start, 'text')})${hide}`);
    if (t.end) conds.push(`(i.start_dt <= ${p.add(t.end, 'text')})${hide}`);
  }
  if (q.filter !== undefined) conds.push(cql2ToPostgres(q.filter, p));
  if (q.q?.length) {
    const text = `lower(coalesce(i.props ->> 'title', '') || ' ' || coalesce(i.props ->> 'description', '')
      || ' ' || coalesce(i.props ->> 'keywords', ''))`;
    conds.push(`(${q.q.map((t) => `strpos(${text}, ${p.add(t.toLowerCase(), 'text')}) > 0`).join(' OR ')})`);
  }
  return conds.join(' AND ');
}
