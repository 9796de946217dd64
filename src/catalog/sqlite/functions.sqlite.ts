/**
 * SQL functions the sqlite driver's queries call: exact geometry predicates (after the R*Tree prefilter),
 * CQL2 LIKE (case-sensitive, unlike SQLite's), array operators, accent folding and powers.
 * Prepared query geometries and patterns are cached by their text: a query passes the same text for every
 * row (the CQL2 compiler puts the literal second), so each is converted once per query, not once per row.
 */
import type { Db } from '../../core/db.ts';
import { arrayOp, likeToRegExp, spatialTest, toGeometry, unaccent } from '../cql2/ops.ts';

function cached<T>(make: (key: string) => T, max = 256): (key: string) => T {
  const m = new Map<string, T>();
  return (key) => {
    let v = m.get(key);
    if (v === undefined) {
      if (m.size >= max) m.clear();
      v = make(key);
      m.set(key, v);
    }
    return v;
  };
}

export function registerCatalogFunctions(db: Db): void {
  const tests = new Map<string, (text: string) => ReturnType<typeof spatialTest>>();
  const test = (op: string, text: string) => {
    let t = tests.get(op);
    if (!t) tests.set(op, (t = cached((k) => spatialTest(op, toGeometry(k)))));
    return t(text);
  };
  const like = cached(likeToRegExp);
  db.function('th_spatial', { deterministic: true }, (op: unknown, a: unknown, b: unknown) => {
    if (typeof a !== 'string' || typeof b !== 'string') return null;
    return test(String(op), b)(toGeometry(a)) ? 1 : 0;
  });
  db.function('th_like', { deterministic: true }, (v: unknown, p: unknown) => {
    if (typeof p !== 'string' || (typeof v !== 'string' && typeof v !== 'number')) return null;
    return like(p).test(String(v)) ? 1 : 0;
  });
  db.function('th_array', { deterministic: true }, (op: unknown, a: unknown, b: unknown) => {
    if (typeof a !== 'string' || typeof b !== 'string') return null;
    const pa: unknown = JSON.parse(a);
    const pb: unknown = JSON.parse(b);
    if (!Array.isArray(pa) || !Array.isArray(pb)) return null;
    return arrayOp(String(op), pa, pb) ? 1 : 0;
  });
  db.function('th_unaccent', { deterministic: true }, (v: unknown) =>
    typeof v === 'string' ? unaccent(v) : v,
  );
  db.function('th_pow', { deterministic: true }, (a: unknown, b: unknown) =>
    typeof a === 'number' && typeof b === 'number' ? a ** b : null,
  );
}
