/**
 * CQL2 temporal operators for the postgres driver: each operand an interval [start, end] of normalized ISO
 * text (an instant is [t, t]; a DATE is its whole day; `..` an open end), related as CQL2 defines.
 */
import { normalizeInstant } from '../time.ts';
import { arity, bad, instant, isObj } from './cql2.postgres.ts';
import { field, fieldText } from './sql.postgres.ts';

type Node = unknown;

function lit(iso: string): string {
  if (!/^[\d:.TZ-]+$/.test(iso)) bad(`bad time ${iso}`);
  return `'${iso}'`;
}

/**
 * A temporal operand as [start, end] SQL expressions. Literal times are inlined (they are normalized ISO
 * strings from toISOString, so quoting is safe) because the relations below use each operand twice.
 */
function interval(n: Node): [string, string] {
  if (isObj(n) && typeof n['property'] === 'string') {
    const p = n['property'].replace(/^properties\./, '');
    if (p === 'datetime') return ['i.start_dt', 'i.end_dt'];
    const f = fieldText(field(p));
    return [f, f];
  }
  if (isObj(n) && ('timestamp' in n || 'date' in n)) {
    const t = instant(n);
    const end = 'date' in n ? new Date(Date.parse(t) + 86_399_999).toISOString() : t;
    return [lit(t), lit(end)];
  }
  if (isObj(n) && Array.isArray(n['interval']) && n['interval'].length === 2) {
    const [a, b] = n['interval'] as [unknown, unknown];
    const end = (x: unknown, open: string) =>
      x === '..'
        ? open
        : (normalizeInstant(typeof x === 'object' && x ? Object.values(x)[0] : x) ??
          bad(`bad interval bound ${JSON.stringify(x)}`));
    return [lit(end(a, '0000-01-01T00:00:00.000Z')), lit(end(b, '9999-12-31T23:59:59.999Z'))];
  }
  bad('temporal operators take a property, a timestamp, a date or an interval');
}

export function temporalSql(o: { op: string; args: Node[] }): string {
  arity(o, 2);
  const [as, ae] = interval(o.args[0]);
  const [bs, be] = interval(o.args[1]);
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
  const sql = T[o.op] ?? bad(`unknown temporal operator "${o.op}"`);
  return `(${sql})`;
}
