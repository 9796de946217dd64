/**
 * CQL2 temporal operators for the postgres driver: each operand an interval [start, end] of normalized ISO
 * text (an instant is [t, t]; a DATE is its whole day; `..` an open end), related as CQL2 defines.
 */
import { literalBounds, temporalCondition } from '../cql2/temporal.sql.ts';
import { arity, bad, isObj } from './cql2.postgres.ts';
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
  const bounds = literalBounds(n);
  if (bounds) return [lit(bounds[0]), lit(bounds[1])];
  bad('temporal operators take a property, a timestamp, a date or an interval');
}

export function temporalSql(o: { op: string; args: Node[] }): string {
  arity(o, 2);
  const sql = temporalCondition(o.op, interval(o.args[0]), interval(o.args[1]));
  return sql ?? bad(`unknown temporal operator "${o.op}"`);
}
