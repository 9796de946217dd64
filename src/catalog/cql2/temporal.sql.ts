/**
 * CQL2's temporal operators as SQL comparisons of interval bounds. Both drivers use it: the comparisons
 * are plain SQL, and each driver only supplies the SQL expressions of the bounds (text in SQLite,
 * timestamptz in PostgreSQL). An instant is an interval whose start equals its end.
 */
import { TerraHubError } from '../../core/errors.ts';
import { normalizeInstant } from '../time.ts';

function bad(msg: string): never {
  throw new TerraHubError('TH_STAC_BAD_FILTER', msg);
}

/** A CQL2 `{timestamp}` or `{date}` literal as a normalized ISO instant. */
export function cql2Instant(n: Record<string, unknown>): string {
  const raw = n['timestamp'] ?? n['date'];
  return normalizeInstant(raw) ?? bad(`${JSON.stringify(raw)} is not an RFC 3339 timestamp or date`);
}

/**
 * The [start, end] ISO instants of a temporal literal (a timestamp, a whole day for a date, an interval with
 * `..` for open ends), or null when `n` is not a literal (a property, which each driver maps itself).
 */
export function literalBounds(n: unknown): [string, string] | null {
  if (typeof n !== 'object' || n === null || Array.isArray(n)) return null;
  const o = n as Record<string, unknown>;
  if ('timestamp' in o || 'date' in o) {
    const t = cql2Instant(o);
    return [t, 'date' in o ? new Date(Date.parse(t) + 86_399_999).toISOString() : t];
  }
  if (Array.isArray(o['interval']) && o['interval'].length === 2) {
    const [a, b] = o['interval'] as [unknown, unknown];
    const end = (x: unknown, open: string) =>
      x === '..'
        ? open
        : (normalizeInstant(typeof x === 'object' && x ? Object.values(x)[0] : x) ??
          bad(`bad interval bound ${JSON.stringify(x)}`));
    return [end(a, '0000-01-01T00:00:00.000Z'), end(b, '9999-12-31T23:59:59.999Z')];
  }
  return null;
}

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
