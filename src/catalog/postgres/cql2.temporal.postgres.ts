/**
 * CQL2 temporal operators for the postgres driver: each operand an interval [start, end] of normalized ISO
 * text (an instant is [t, t]; a DATE is its whole day; `..` an open end), related as CQL2 defines.
 */
import { temporalCondition } from '../cql2/temporal.sql.ts';
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
  const sql = temporalCondition(o.op, interval(o.args[0]), interval(o.args[1]));
  return sql ?? bad(`unknown temporal operator "${o.op}"`);
}
