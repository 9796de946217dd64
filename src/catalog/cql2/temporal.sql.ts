/**
 * CQL2's temporal operators as SQL comparisons of interval bounds. Both drivers use it: the comparisons
 * are plain SQL, and each driver only supplies the SQL expressions of the bounds (text in SQLite,
 * timestamptz in PostgreSQL). An instant is an interval whose start equals its end.
 */

/** The condition for `op` between intervals a and b, each as [start SQL, end SQL]; null for an unknown op. */
export function temporalCondition(op: string, a: [string, string], b: [string, string]): string | null {
  const [as, ae] = a;
  const [bs, be] = b;
  const T: Record<string, string> = {
    t_intersects: `${as} <= ${be} AND ${ae} >= ${bs}`,
    t_disjoint: `NOT (${as} <= ${be} AND ${ae} >= ${bs})`,
    t_equals: `${as} = ${bs} AND ${ae} = ${be}`,
    t_before: `${ae} < ${bs}`,
    t_after: `${as} > ${be}`,
    t_meets: `${ae} = ${bs}`,
    t_metby: `${as} = ${be}`,
    t_overlaps: `${as} < ${bs} AND ${ae} > ${bs} AND ${ae} < ${be}`,
    t_overlappedby: `${bs} < ${as} AND ${be} > ${as} AND ${be} < ${ae}`,
    t_starts: `${as} = ${bs} AND ${ae} < ${be}`,
    t_startedby: `${as} = ${bs} AND ${ae} > ${be}`,
    t_during: `${as} > ${bs} AND ${ae} < ${be}`,
    t_contains: `${as} < ${bs} AND ${ae} > ${be}`,
    t_finishes: `${as} > ${bs} AND ${ae} = ${be}`,
    t_finishedby: `${as} < ${bs} AND ${ae} = ${be}`,
  };
  const sql = T[op];
  return sql === undefined ? null : `(${sql})`;
}
