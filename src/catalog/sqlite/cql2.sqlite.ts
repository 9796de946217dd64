/**
 * CQL2 (its JSON form is our AST) to SQLite SQL with bound parameters. Spatial, array, accent and LIKE
 * predicates call the functions registered by functions.sqlite.ts; everything else is plain SQL, so that
 * filters, sorting and keyset paging run together in one query.
 */
import { TerraHubError } from '../../core/errors.ts';
import { fieldSql, rtreeSql, type SqlPart } from './search.sqlite.ts';
import { converse, NEEDS_INTERSECTION, SPATIAL_OPS, toGeometry } from '../cql2/ops.ts';
import { cql2Instant, literalBounds, temporalCondition } from '../cql2/temporal.sql.ts';
import { geometryBbox, validateGeometry } from '../geometry.ts';
import { RELATE_OPS, toJsts } from '../geometry.relate.ts';
import IsValidOp from 'jsts/org/locationtech/jts/operation/valid/IsValidOp.js';
import type { Geometry } from '../model.ts';

type Node = unknown;

function bad(msg: string): never {
  throw new TerraHubError('TH_STAC_BAD_FILTER', msg);
}

function isObj(n: Node): n is Record<string, unknown> {
  return typeof n === 'object' && n !== null && !Array.isArray(n);
}

function op(n: Node): { op: string; args: Node[] } | null {
  if (isObj(n) && typeof n['op'] === 'string') {
    if (!Array.isArray(n['args'])) bad(`operator "${n['op']}" needs an "args" array`);
    return { op: n['op'].toLowerCase(), args: n['args'] as Node[] };
  }
  return null;
}

function arity(o: { op: string; args: Node[] }, n: number): void {
  if (o.args.length !== n) bad(`"${o.op}" takes ${n} argument(s), got ${o.args.length}`);
}

function lit(iso: string): string {
  if (!/^[\d:.TZ-]+$/.test(iso)) bad(`bad time ${iso}`);
  return `'${iso}'`;
}

class Compiler {
  params: unknown[] = [];
  /** How many NOTs enclose the expression being compiled (the R*Tree prefilter is only used outside them). */
  negated = 0;

  param(v: unknown): string {
    this.params.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return '?';
  }

  bool(n: Node): string {
    if (typeof n === 'boolean') return n ? '1' : '0';
    const o = op(n);
    if (!o) bad(`expected a boolean expression, got ${JSON.stringify(n)}`);
    const a = o.args;
    switch (o.op) {
      case 'and':
      case 'or':
        if (a.length < 2) bad(`"${o.op}" needs at least 2 arguments`);
        return `(${a.map((x) => this.bool(x)).join(o.op === 'and' ? ' AND ' : ' OR ')})`;
      case 'not': {
        arity(o, 1);
        this.negated++;
        const inner = this.bool(a[0]);
        this.negated--;
        return `(NOT ${inner})`;
      }
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        arity(o, 2);
        return this.compare(o.op, a[0], a[1]);
      case 'isnull':
        arity(o, 1);
        return `(${this.scalar(a[0])} IS NULL)`;
      case 'like':
        arity(o, 2);
        return `th_like(${this.scalar(a[0])}, ${this.scalar(a[1])})`;
      case 'between':
        // Earlier CQL2 drafts wrote the bounds as one list: between(x, [lo, hi]).
        if (a.length === 2 && Array.isArray(a[1]) && a[1].length === 2)
          return this.bool({ op: 'between', args: [a[0], ...(a[1] as unknown[])] });
        arity(o, 3);
        return `(${this.scalar(a[0])} BETWEEN ${this.scalar(a[1])} AND ${this.scalar(a[2])})`;
      case 'in': {
        arity(o, 2);
        if (!Array.isArray(a[1])) bad('"in" needs a list as its second argument');
        if (a[1].length === 0) return '0';
        return `(${this.scalar(a[0])} IN (${a[1].map((x) => this.scalar(x)).join(', ')}))`;
      }
      case 'a_equals':
      case 'a_contains':
      case 'a_containedby':
      case 'a_overlaps':
        arity(o, 2);
        return `th_array('${o.op}', ${this.array(a[0])}, ${this.array(a[1])})`;
    }
    if (SPATIAL_OPS.has(o.op)) {
      arity(o, 2);
      return this.spatial(o.op, a[0], a[1]);
    }
    if (o.op.startsWith('t_')) return this.temporal(o);
    bad(`unknown or unsupported operator "${o.op}"`);
  }

  /**
   * A comparison. A numeric-looking string compared with a property compares as a number when the stored
   * value is a number (clients of the Query extension send "0.6" for numeric properties), else as text.
   */
  compare(cmp: string, l: Node, r: Node): string {
    const numeric = (n: Node) => typeof n === 'string' && n.trim() !== '' && Number.isFinite(Number(n));
    const prop = (n: Node) => isObj(n) && typeof n['property'] === 'string';
    if (prop(l) && numeric(r)) {
      const f = this.scalar(l);
      this.params.push(Number(r), r);
      return `(CASE WHEN typeof(${f}) IN ('integer', 'real') THEN ${f} ${cmp} ? ELSE ${f} ${cmp} ? END)`;
    }
    return `(${this.scalar(l)} ${cmp} ${this.scalar(r)})`;
  }

  scalar(n: Node): string {
    if (n === null) return 'NULL';
    if (typeof n === 'string' || typeof n === 'number' || typeof n === 'boolean') return this.param(n);
    if (Array.isArray(n)) bad('a list is only allowed with "in" and the array operators');
    if (!isObj(n)) bad(`unexpected ${JSON.stringify(n)}`);
    if (typeof n['property'] === 'string') {
      if (n['property'] === 'geometry') bad('geometry can only be used with spatial operators');
      return fieldSql(n['property']);
    }
    if ('timestamp' in n || 'date' in n) return this.param(cql2Instant(n));
    const o = op(n);
    if (!o) bad(`unexpected ${JSON.stringify(n)}`);
    switch (o.op) {
      case 'casei':
        arity(o, 1);
        return `lower(${this.scalar(o.args[0])})`;
      case 'accenti':
        arity(o, 1);
        return `th_unaccent(${this.scalar(o.args[0])})`;
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        arity(o, 2);
        return `(${this.scalar(o.args[0])} ${o.op} ${this.scalar(o.args[1])})`;
      case 'div':
        arity(o, 2);
        return `(CAST(${this.scalar(o.args[0])} AS INTEGER) / CAST(${this.scalar(o.args[1])} AS INTEGER))`;
      case '^':
        arity(o, 2);
        return `th_pow(${this.scalar(o.args[0])}, ${this.scalar(o.args[1])})`;
    }
    // A boolean predicate used as a value (e.g. `s_intersects(...) = true`).
    return this.bool(n);
  }

  array(n: Node): string {
    if (Array.isArray(n)) return this.param(JSON.stringify(n));
    if (isObj(n) && typeof n['property'] === 'string') return fieldSql(n['property']);
    bad('array operators take a property or a list');
  }

  /**
   * A spatial function. The literal goes second (s_within(literal, geometry) is s_contains(geometry,
   * literal)) so that the SQL function prepares it once per query. When the function can only hold where
   * the item's box meets the literal's, the R*Tree narrows the rows first; not under a NOT, where an item
   * without geometry (unknown, so excluded) would otherwise turn into a match.
   */
  spatial(op: string, x: Node, y: Node): string {
    const isProp = (n: Node) => isObj(n) && typeof n['property'] === 'string';
    if (isProp(y) && !isProp(x)) return this.spatial(converse(op), y, x);
    const literal = isProp(y) ? null : this.literalGeometry(op, y);
    let prefilter = '';
    if (
      literal &&
      this.negated === 0 &&
      isObj(x) &&
      x['property'] === 'geometry' &&
      NEEDS_INTERSECTION.has(op)
    ) {
      const b = geometryBbox(literal);
      if (!b) return '0';
      const rt = rtreeSql([b]);
      this.params.push(...rt.params);
      prefilter = `${rt.sql} AND `;
    }
    return `(${prefilter}th_spatial('${op}', ${this.geom(x)}, ${this.geom(y)}))`;
  }

  /** A literal geometry checked as GeoJSON and, for DE-9IM functions, as a valid (simple) geometry. */
  literalGeometry(op: string, n: Node): Geometry {
    if (!isObj(n) || !(Array.isArray(n['bbox']) || typeof n['type'] === 'string'))
      bad('spatial operators take the geometry property, a GeoJSON geometry or a bbox');
    let g: Geometry;
    try {
      g = Array.isArray(n['bbox']) ? toGeometry(JSON.stringify(n)) : validateGeometry(n, op);
    } catch (e) {
      bad(`the geometry of ${op}: ${(e as Error).message}`);
    }
    if (RELATE_OPS.has(op)) {
      const why = new IsValidOp(toJsts(g)).getValidationError() as { getMessage(): string } | null;
      if (why) bad(`the geometry of ${op} is not a valid geometry: ${why.getMessage()}`);
    }
    return g;
  }

  geom(n: Node): string {
    if (isObj(n) && n['property'] === 'geometry') return 'i.geometry';
    if (isObj(n) && Array.isArray(n['bbox'])) return this.param(JSON.stringify({ bbox: n['bbox'] }));
    if (isObj(n) && typeof n['type'] === 'string') return this.param(JSON.stringify(n));
    if (isObj(n) && typeof n['property'] === 'string') return fieldSql(n['property']);
    bad('spatial operators take the geometry property, a GeoJSON geometry or a bbox');
  }

  /**
   * A temporal operand as [start, end] SQL expressions. Literal times are inlined (they are normalized ISO
   * strings from toISOString, so quoting is safe) because the relations below use each operand twice.
   */
  interval(n: Node): [string, string] {
    if (isObj(n) && typeof n['property'] === 'string') {
      const p = n['property'].replace(/^properties\./, '');
      if (p === 'datetime') return ['i.start_dt', 'i.end_dt'];
      const f = fieldSql(p);
      return [f, f];
    }
    const bounds = literalBounds(n);
    if (bounds) return [lit(bounds[0]), lit(bounds[1])];
    bad('temporal operators take a property, a timestamp, a date or an interval');
  }

  temporal(o: { op: string; args: Node[] }): string {
    arity(o, 2);
    const sql = temporalCondition(o.op, this.interval(o.args[0]), this.interval(o.args[1]));
    return sql ?? bad(`unknown temporal operator "${o.op}"`);
  }
}

export function cql2ToSqlite(filter: unknown): SqlPart {
  const c = new Compiler();
  const sql = c.bool(filter);
  return { sql, params: c.params };
}
