/**
 * A SearchQuery as SQLite SQL: the WHERE clause (collections, ids, R*Tree prefilter plus the exact geometry
 * test, time overlap, CQL2, free text), ORDER BY with a (collection, id) tiebreaker, and the keyset condition
 * that starts a page right after the previous page's last row (no OFFSET, so pages stay correct while items
 * are added).
 */
import { TerraHubError } from '../../core/errors.ts';
import { bboxPolygon, geometryBbox } from '../geometry.ts';
import type { PageCursor, SearchQuery, SortKey, TimeRange } from '../model.ts';
import { cql2ToSqlite } from './cql2.sqlite.ts';

/** Square degrees above which a bbox is treated as matching most items (see whereSql). */
const LARGE_BOX = 900;

export interface SqlPart {
  sql: string;
  params: unknown[];
}

/** The SQL expression of a queryable or sortable field name. */
export function fieldSql(name: string): string {
  const n = name.startsWith('properties.') ? name.slice('properties.'.length) : name;
  switch (n) {
    case 'id':
      return 'i.id';
    case 'collection':
      return 'i.collection';
    case 'datetime':
      return 'i.datetime';
    case 'start_datetime':
      return 'i.start_dt';
    case 'end_datetime':
      return 'i.end_dt';
    case 'geometry':
      return 'i.geometry';
  }
  if (!/^[^"\\]{1,256}$/.test(n)) {
    throw new TerraHubError('TH_STAC_BAD_SEARCH', `field name ${JSON.stringify(name)} is not valid`);
  }
  return `json_extract(i.props, '$."${n.replaceAll("'", "''")}"')`;
}

/**
 * The R*Tree's time unit: a month (30.44 days). Its splits weigh every axis alike, so time is measured in
 * a unit of about the scale of degrees: in seconds, ten years span 3e8 and the tree split only by time,
 * which made a search by space alone visit a hundred times more nodes.
 */
export const RTREE_TIME_UNIT_S = 2_629_800;

/** A normalized instant as the R*Tree keeps it (months since 1970); `open` for a missing one. */
export function rtreeTime(iso: string | null | undefined, open: number): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? open : t / 1000 / RTREE_TIME_UNIT_S;
}

/** The R*Tree's time bounds of an open end (it stores 32-bit floats). */
export const OPEN_PAST = -1e38;
export const OPEN_FUTURE = 1e38;

/**
 * Items whose bounding box meets one of `boxes` and, when `time` is given, whose time span meets it: one
 * R*Tree of (x, y, t) finds the items matching both, where a 2D one would return every item of the box in
 * every year. The R*Tree rounds outwards, so this is a prefilter; the caller keeps the exact tests.
 */
export function rtreeSql(boxes: Array<[number, number, number, number]>, time?: TimeRange): SqlPart {
  let rt = boxes.map(() => '(r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ?)').join(' OR ');
  const params: unknown[] = boxes.flatMap((b) => [b[0], b[2], b[1], b[3]]);
  if (time?.start || time?.end) {
    rt = `(${rt}) AND r.maxt >= ? AND r.mint <= ?`;
    params.push(rtreeTime(time.start, OPEN_PAST), rtreeTime(time.end, OPEN_FUTURE));
  }
  // Small boxes: the R*Tree finds the few candidates. Large boxes match most items: walking the sort
  // index and probing the R*Tree per row stops after one page instead of sorting every match.
  const area = boxes.reduce((a, b) => a + (b[2] - b[0]) * (b[3] - b[1]), 0);
  return {
    sql:
      area > LARGE_BOX
        ? `EXISTS (SELECT 1 FROM catalog_items_st r WHERE r.rid = i.rid AND (${rt}))`
        : `i.rid IN (SELECT r.rid FROM catalog_items_st r WHERE ${rt})`,
    params,
  };
}

export function whereSql(q: SearchQuery): SqlPart {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (q.collections.length === 0) return { sql: '0', params };
  // Sorted by datetime, the (datetime, collection, id) index serves both the order and this test; the
  // unary + keeps SQLite from choosing the collection index instead and sorting every match.
  const byTime = ['datetime', 'properties.datetime'].includes(q.sortby[0]?.field ?? '');
  conds.push(`${byTime ? '+' : ''}i.collection IN (${q.collections.map(() => '?').join(',')})`);
  params.push(...q.collections);
  if (q.ids?.length) {
    conds.push(`i.id IN (${q.ids.map(() => '?').join(',')})`);
    params.push(...q.ids);
  }
  const spatial = q.intersects
    ? { boxes: [geometryBbox(q.intersects)], geom: q.intersects }
    : q.bboxes?.length
      ? {
          boxes: q.bboxes,
          geom: { type: 'GeometryCollection', geometries: q.bboxes.map((b) => bboxPolygon(b)) },
        }
      : null;
  if (spatial) {
    const boxes = spatial.boxes.filter((b): b is [number, number, number, number] => b !== null);
    if (!boxes.length) return { sql: '0', params: [] };
    const rt = rtreeSql(boxes, q.datetime);
    conds.push(rt.sql);
    params.push(...rt.params);
    // The exact test is needed only where the item's box is not wholly inside a query box (for bbox
    // searches those items surely intersect): most geometry parsing is spared on large boxes.
    if (!q.intersects) {
      const inside = boxes
        .map(() => '(i.minx >= ? AND i.maxx <= ? AND i.miny >= ? AND i.maxy <= ?)')
        .join(' OR ');
      conds.push(`(${inside} OR th_spatial('s_intersects', i.geometry, ?))`);
      for (const b of boxes) params.push(b[0], b[2], b[1], b[3]);
    } else conds.push(`th_spatial('s_intersects', i.geometry, ?)`);
    params.push(JSON.stringify(spatial.geom));
  }
  if (q.datetime) {
    if (q.datetime.start) {
      conds.push('i.end_dt >= ?');
      params.push(q.datetime.start);
    }
    if (q.datetime.end) {
      conds.push('i.start_dt <= ?');
      params.push(q.datetime.end);
    }
  }
  if (q.filter !== undefined) {
    const f = cql2ToSqlite(q.filter);
    conds.push(f.sql);
    params.push(...f.params);
  }
  if (q.q?.length) {
    const text = `lower(coalesce(json_extract(i.props, '$.title'), '') || ' ' ||
      coalesce(json_extract(i.props, '$.description'), '') || ' ' ||
      coalesce(json_extract(i.props, '$.keywords'), ''))`;
    conds.push(`(${q.q.map(() => `instr(${text}, ?) > 0`).join(' OR ')})`);
    params.push(...q.q.map((t) => t.toLowerCase()));
  }
  return { sql: conds.length ? conds.join(' AND ') : '1', params };
}

/**
 * Sort keys with the (collection, id) tiebreaker that makes every order total. The tiebreaker follows the
 * first key's direction so that one index (datetime, collection, id) serves both directions.
 */
export function fullOrder(sortby: SortKey[]): Array<{ expr: string; desc: boolean }> {
  const keys = sortby.map((k) => ({ expr: fieldSql(k.field), desc: k.direction === 'desc' }));
  const desc = keys[0]?.desc ?? false;
  return [...keys, { expr: 'i.collection', desc }, { expr: 'i.id', desc }];
}

export function orderSql(order: Array<{ expr: string; desc: boolean }>): string {
  // SQLite sorts NULL first ascending and last descending; the keyset condition below follows the same rule.
  return order.map((o) => `${o.expr} ${o.desc ? 'DESC' : 'ASC'}`).join(', ');
}

/** Rows strictly after the cursor in `order`. */
export function keysetSql(order: Array<{ expr: string; desc: boolean }>, c: PageCursor): SqlPart {
  const values = [...c.values, c.collection, c.id];
  if (values.length !== order.length) throw new TerraHubError('TH_STAC_BAD_TOKEN');
  const ors: string[] = [];
  const params: unknown[] = [];
  for (let k = 0; k < order.length; k++) {
    const ands: string[] = [];
    for (let j = 0; j < k; j++) {
      const v = values[j];
      if (v === null) ands.push(`${order[j]!.expr} IS NULL`);
      else {
        ands.push(`${order[j]!.expr} = ?`);
        params.push(v);
      }
    }
    const { expr, desc } = order[k]!;
    const v = values[k];
    if (v === null) {
      if (desc) continue; // nothing sorts after NULL when descending
      ands.push(`${expr} IS NOT NULL`);
    } else if (desc) {
      ands.push(`(${expr} < ? OR ${expr} IS NULL)`);
      params.push(v);
    } else {
      ands.push(`${expr} > ?`);
      params.push(v);
    }
    ors.push(`(${ands.join(' AND ')})`);
  }
  return { sql: ors.length ? `(${ors.join(' OR ')})` : '0', params };
}
