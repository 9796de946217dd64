/**
 * CQL2 (its JSON form is our AST) to PostgreSQL with PostGIS, with numbered parameters. Spatial predicates
 * are PostGIS's own (ST_Intersects ... ST_Crosses: the full DE-9IM set, on the GIST index), array operators
 * are jsonb containment, everything else plain SQL, so that filters, sorting and keyset paging run together.
 *
 * Values are typed as they are compiled: a property of the document is jsonb, a column is text, arithmetic
 * is float8, and a literal takes the type of what it is compared with (numbers compare as numbers, strings
 * as text), so a comparison never relies on jsonb's cross-type order.
 */
import { TerraHubError } from '../../core/errors.ts';
import { validateGeometry } from '../geometry.ts';
import { RELATE_OPS } from '../geometry.relate.ts';
import { cql2Instant } from '../cql2/temporal.sql.ts';
import { temporalSql } from './cql2.temporal.postgres.ts';
import { field, fieldText, type Params } from './sql.postgres.ts';

type Node = unknown;
type Lit = string | number | boolean | null;
/** A compiled value: SQL of a kind, or a literal not bound yet (its type depends on its counterpart). */
type Val = { sql: string; kind: 'text' | 'jsonb' | 'num' | 'bool' } | { lit: Lit };

export const POSTGIS_OPS: Record<string, string> = {
  s_intersects: 'ST_Intersects',
  s_disjoint: 'ST_Disjoint',
  s_within: 'ST_Within',
  s_contains: 'ST_Contains',
  s_equals: 'ST_Equals',
  s_touches: 'ST_Touches',
  s_overlaps: 'ST_Overlaps',
  s_crosses: 'ST_Crosses',
};

/** Combining marks (ACCENTI strips them after NFD, as ops.ts's unaccent does with \p{M}). */
const MARKS = `'[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]'`;

export function bad(msg: string): never {
  throw new TerraHubError('TH_STAC_BAD_FILTER', msg);
}

export function isObj(n: Node): n is Record<string, unknown> {
  return typeof n === 'object' && n !== null && !Array.isArray(n);
}

function op(n: Node): { op: string; args: Node[] } | null {
  if (isObj(n) && typeof n['op'] === 'string') {
    if (!Array.isArray(n['args'])) bad(`operator "${n['op']}" needs an "args" array`);
    return { op: n['op'].toLowerCase(), args: n['args'] as Node[] };
  }
  return null;
}

/** A CQL2 TIMESTAMP or DATE literal, normalized (string order is time order). */
export function arity(o: { op: string; args: Node[] }, n: number): void {
  if (o.args.length !== n) bad(`"${o.op}" takes ${n} argument(s), got ${o.args.length}`);
}

const isNumericString = (v: Lit) => typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v));

class Compiler {
  constructor(private readonly p: Params) {}

  bool(n: Node): string {
    if (typeof n === 'boolean') return n ? 'TRUE' : 'FALSE';
    const o = op(n);
    if (!o) bad(`expected a boolean expression, got ${JSON.stringify(n)}`);
    const a = o.args;
    switch (o.op) {
      case 'and':
      case 'or':
        if (a.length < 2) bad(`"${o.op}" needs at least 2 arguments`);
        return `(${a.map((x) => this.bool(x)).join(o.op === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        arity(o, 1);
        return `(NOT ${this.bool(a[0])})`;
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        arity(o, 2);
        return this.compare(o.op, this.value(a[0]), this.value(a[1]));
      case 'isnull': {
        arity(o, 1);
        const v = this.value(a[0]);
        return 'lit' in v ? (v.lit === null ? 'TRUE' : 'FALSE') : `(${v.sql} IS NULL)`;
      }
      case 'like':
        arity(o, 2);
        // PostgreSQL's LIKE is CQL2's: case-sensitive, % and _, backslash escapes.
        return `(${this.text(this.value(a[0]))} LIKE ${this.text(this.value(a[1]))})`;
      case 'between':
        // Earlier CQL2 drafts wrote the bounds as one list: between(x, [lo, hi]).
        if (a.length === 2 && Array.isArray(a[1]) && a[1].length === 2)
          return this.bool({ op: 'between', args: [a[0], ...(a[1] as unknown[])] });
        arity(o, 3);
        return `(${this.compare('>=', this.value(a[0]), this.value(a[1]))} AND ${this.compare('<=', this.value(a[0]), this.value(a[2]))})`;
      case 'in': {
        arity(o, 2);
        if (!Array.isArray(a[1])) bad('"in" needs a list as its second argument');
        if (a[1].length === 0) return 'FALSE';
        return `(${a[1].map((x) => this.compare('=', this.value(a[0]), this.value(x))).join(' OR ')})`;
      }
      case 'a_equals':
      case 'a_contains':
      case 'a_containedby':
      case 'a_overlaps':
        arity(o, 2);
        return this.arrayOp(o.op, this.array(a[0]), this.array(a[1]));
    }
    const fn = POSTGIS_OPS[o.op];
    if (fn) {
      arity(o, 2);
      const sql = `${fn}(${this.geom(o.op, a[0])}, ${this.geom(o.op, a[1])})`;
      // An invalid stored footprint (a self-crossing ring) has no meaningful DE-9IM relation: it matches
      // none, as in the sqlite driver. A conjunct, not a CASE, so that the index still serves the predicate.
      const onItem = a.some((x) => isObj(x) && x['property'] === 'geometry');
      return RELATE_OPS.has(o.op) && onItem ? `(${sql} AND ST_IsValid(i.geom))` : sql;
    }
    if (o.op.startsWith('t_')) return temporalSql(o);
    bad(`unknown or unsupported operator "${o.op}"`);
  }

  /**
   * A comparison. Against a number, a property compares as a number (non-numbers never match); against a
   * numeric-looking string (Query-extension clients send "0.6"), as a number when the stored value is one,
   * else as text; against a string, as text.
   */
  compare(cmp: string, l: Val, r: Val): string {
    if ('lit' in l && !('lit' in r)) return this.compare(flip(cmp), r, l);
    if ('lit' in r && r.lit === null) return 'NULL';
    if ('lit' in l) return `(${this.bindLit(l.lit)} ${cmp} ${this.bindLit((r as { lit: Lit }).lit)})`;
    if ('lit' in r && l.kind === 'jsonb') {
      const v = r.lit;
      if (typeof v === 'number') return `(${this.num(l)} ${cmp} ${this.p.add(v, 'float8')})`;
      if (typeof v === 'boolean') return `(${l.sql} ${cmp} ${this.p.add(JSON.stringify(v), 'jsonb')})`;
      if (isNumericString(v)) {
        const n = this.p.add(Number(v), 'float8');
        const s = this.p.add(v, 'text');
        return `(CASE WHEN jsonb_typeof(${l.sql}) = 'number' THEN ${this.num(l)} ${cmp} ${n} ELSE ${this.text(l)} ${cmp} ${s} END)`;
      }
      return `(${this.text(l)} ${cmp} ${this.p.add(v, 'text')})`;
    }
    const kinds = new Set([kindOf(l), kindOf(r)]);
    if (kinds.has('num')) return `(${this.num(l)} ${cmp} ${this.num(r)})`;
    if (kinds.has('bool')) return `(${this.boolOf(l)} ${cmp} ${this.boolOf(r)})`;
    if (kinds.size === 1 && kinds.has('jsonb')) return `(${this.sqlOf(l)} ${cmp} ${this.sqlOf(r)})`;
    return `(${this.text(l)} ${cmp} ${this.text(r)})`;
  }

  value(n: Node): Val {
    if (n === null || typeof n === 'string' || typeof n === 'number' || typeof n === 'boolean')
      return { lit: n };
    if (Array.isArray(n)) bad('a list is only allowed with "in" and the array operators');
    if (!isObj(n)) bad(`unexpected ${JSON.stringify(n)}`);
    if (typeof n['property'] === 'string') {
      const f = field(n['property']);
      return { sql: f.sql, kind: f.kind };
    }
    if ('timestamp' in n || 'date' in n) return { lit: cql2Instant(n) };
    const o = op(n);
    if (!o) bad(`unexpected ${JSON.stringify(n)}`);
    const two = () => {
      arity(o, 2);
      return [this.num(this.value(o.args[0])), this.num(this.value(o.args[1]))] as const;
    };
    switch (o.op) {
      case 'casei':
        arity(o, 1);
        return { sql: `lower(${this.text(this.value(o.args[0]))})`, kind: 'text' };
      case 'accenti':
        arity(o, 1);
        return {
          sql: `regexp_replace(normalize(${this.text(this.value(o.args[0]))}, NFD), ${MARKS}, '', 'g')`,
          kind: 'text',
        };
      case '+':
      case '-':
      case '*': {
        const [x, y] = two();
        return { sql: `(${x} ${o.op} ${y})`, kind: 'num' };
      }
      case '/': {
        const [x, y] = two();
        return { sql: `(${x} / NULLIF(${y}, 0))`, kind: 'num' };
      }
      case '%': {
        const [x, y] = two();
        return { sql: `(mod(${x}::numeric, NULLIF(${y}, 0)::numeric))::float8`, kind: 'num' };
      }
      case 'div': {
        const [x, y] = two();
        return { sql: `(div(trunc(${x})::numeric, NULLIF(trunc(${y}), 0)::numeric))::float8`, kind: 'num' };
      }
      case '^': {
        const [x, y] = two();
        return { sql: `power(${x}, ${y})`, kind: 'num' };
      }
    }
    // A boolean predicate used as a value (e.g. `s_intersects(...) = true`).
    return { sql: this.bool(n), kind: 'bool' };
  }

  bindLit(v: Lit): string {
    if (v === null) return 'NULL';
    if (typeof v === 'number') return this.p.add(v, 'float8');
    if (typeof v === 'boolean') return this.p.add(v, 'boolean');
    return this.p.add(v, 'text');
  }

  text(v: Val): string {
    if ('lit' in v) return v.lit === null ? 'NULL::text' : this.p.add(String(v.lit), 'text');
    if (v.kind === 'jsonb') return fieldText({ sql: v.sql, kind: 'jsonb', notNull: false });
    return v.kind === 'text' ? v.sql : `(${v.sql})::text`;
  }

  num(v: Val): string {
    if ('lit' in v) {
      const n = typeof v.lit === 'number' ? v.lit : isNumericString(v.lit) ? Number(v.lit) : null;
      return n === null ? 'NULL::float8' : this.p.add(n, 'float8');
    }
    if (v.kind === 'jsonb')
      return `(CASE WHEN jsonb_typeof(${v.sql}) = 'number' THEN (${v.sql})::float8 END)`;
    if (v.kind === 'num') return v.sql;
    return 'NULL::float8'; // text columns and predicates are never numbers
  }

  boolOf(v: Val): string {
    if ('lit' in v) return typeof v.lit === 'boolean' ? this.p.add(v.lit, 'boolean') : 'NULL::boolean';
    if (v.kind === 'jsonb')
      return `(CASE WHEN jsonb_typeof(${v.sql}) = 'boolean' THEN (${v.sql})::boolean END)`;
    return v.kind === 'bool' ? v.sql : 'NULL::boolean';
  }

  sqlOf(v: Val): string {
    return 'lit' in v ? this.bindLit(v.lit) : v.sql;
  }

  array(n: Node): string {
    if (Array.isArray(n)) return this.p.add(JSON.stringify(n), 'jsonb');
    if (isObj(n) && typeof n['property'] === 'string') {
      const f = field(n['property']);
      if (f.kind === 'jsonb') return f.sql;
    }
    bad('array operators take a property or a list');
  }

  arrayOp(name: string, a: string, b: string): string {
    const rel: Record<string, string> = {
      a_equals: `(${a} @> ${b} AND ${a} <@ ${b})`,
      a_contains: `${a} @> ${b}`,
      a_containedby: `${a} <@ ${b}`,
      a_overlaps: `EXISTS (SELECT 1 FROM jsonb_array_elements(${a}) e WHERE ${b} @> jsonb_build_array(e.value))`,
    };
    // CASE guards jsonb_array_elements (which fails on a non-array) and keeps non-arrays from matching.
    return `(CASE WHEN jsonb_typeof(${a}) = 'array' AND jsonb_typeof(${b}) = 'array' THEN ${rel[name]} END)`;
  }

  geom(op: string, n: Node): string {
    if (isObj(n) && n['property'] === 'geometry') return 'i.geom';
    if (isObj(n) && Array.isArray(n['bbox'])) {
      const b = n['bbox'] as unknown[];
      const xy = b.length === 6 ? [b[0], b[1], b[3], b[4]] : b;
      if (xy.length !== 4 || !xy.every((x) => typeof x === 'number' && Number.isFinite(x)))
        bad('a bbox has 4 or 6 numbers');
      return `ST_MakeEnvelope(${xy.map((x) => this.p.add(x, 'float8')).join(', ')}, 4326)`;
    }
    if (isObj(n) && typeof n['type'] === 'string') {
      try {
        validateGeometry(n, op);
      } catch (e) {
        bad(`the geometry of ${op}: ${(e as Error).message}`);
      }
      // DE-9IM relations of an invalid (e.g. self-intersecting) shape mean nothing: PostGIS checks it first.
      if (RELATE_OPS.has(op)) this.p.validityChecks.push({ op, geojson: JSON.stringify(n) });
      return `ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(${this.p.add(JSON.stringify(n), 'text')})), 4326)`;
    }
    bad('spatial operators take the geometry property, a GeoJSON geometry or a bbox');
  }
}

function kindOf(v: Val): string {
  return 'lit' in v ? 'lit' : v.kind;
}

function flip(cmp: string): string {
  return { '<': '>', '>': '<', '<=': '>=', '>=': '<=' }[cmp] ?? cmp;
}

/** Compiles a CQL2 JSON filter to a boolean SQL expression over the items table aliased `i`. */
export function cql2ToPostgres(filter: unknown, params: Params): string {
  return new Compiler(params).bool(filter);
}
