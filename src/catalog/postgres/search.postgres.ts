/**
 * A SearchQuery as PostgreSQL: the WHERE clause (collections, which prunes partitions; ids; PostGIS tests on
 * the GIST index; time overlap on the btree indexes; CQL2; free text). Sorting and the keyset condition are
 * in sql.postgres.ts.
 */
import type { SearchQuery } from '../model.ts';
import { cql2ToPostgres } from './cql2.postgres.ts';
import type { Params } from './sql.postgres.ts';

export function whereSql(q: SearchQuery, p: Params): string {
  if (q.collections.length === 0) return 'FALSE';
  const conds = [`i.collection = ANY(${p.add(q.collections, 'text[]')})`];
  if (q.ids?.length) conds.push(`i.id = ANY(${p.add(q.ids, 'text[]')})`);
  if (q.intersects) {
    const g = p.add(JSON.stringify(q.intersects), 'text');
    conds.push(`ST_Intersects(i.geom, ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(${g})), 4326))`);
  } else if (q.bboxes?.length) {
    // ST_Intersects tests the boxes on the index first, then the exact shapes (an item whose bbox overlaps
    // but whose footprint does not is no match, as in the sqlite driver).
    const boxes = q.bboxes.map((b) => {
      const env = b.map((x) => p.add(x, 'float8')).join(', ');
      return `ST_Intersects(i.geom, ST_MakeEnvelope(${env}, 4326))`;
    });
    conds.push(`(${boxes.join(' OR ')})`);
  }
  if (q.datetime?.start) conds.push(`i.end_dt >= ${p.add(q.datetime.start, 'text')}`);
  if (q.datetime?.end) conds.push(`i.start_dt <= ${p.add(q.datetime.end, 'text')}`);
  if (q.filter !== undefined) conds.push(cql2ToPostgres(q.filter, p));
  if (q.q?.length) {
    const text = `lower(coalesce(i.props ->> 'title', '') || ' ' || coalesce(i.props ->> 'description', '')
      || ' ' || coalesce(i.props ->> 'keywords', ''))`;
    conds.push(`(${q.q.map((t) => `strpos(${text}, ${p.add(t.toLowerCase(), 'text')}) > 0`).join(' OR ')})`);
  }
  return conds.join(' AND ');
}
