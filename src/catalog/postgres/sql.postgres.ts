/**
 * Building blocks of the postgres driver's SQL: numbered parameters, the SQL expression of a field, and the
 * ORDER BY and keyset conditions. Sorting follows the sqlite driver exactly (NULL first ascending, last
 * descending, a (collection, id) tiebreaker in the first key's direction), so both drivers page alike.
 */
import { TerraHubError } from '../../core/errors.ts';
import type { PageCursor, SortKey } from '../model.ts';

/** Numbered parameters ($1, $2, ...) gathered while SQL text is built. */
export class Params {
  readonly values: unknown[] = [];
  /** Literal geometries to check for validity (with PostGIS) before the query runs. */
  readonly validityChecks: Array<{ op: string; geojson: string }> = [];

  /** Adds a value and returns its placeholder, with an explicit cast so that no type is left to inference. */
  add(v: unknown, cast: 'text' | 'float8' | 'int8' | 'jsonb' | 'text[]' | 'boolean'): string {
    this.values.push(v);
    return `$${this.values.length}::${cast}`;
  }
}

/**
 * A field as SQL. `text` fields are columns (normalized ISO times order as text, ids byte-wise with
 * COLLATE "C"); every other property is `jsonb` from the item's properties, JSON null read as SQL NULL (as
 * sqlite's json_extract does), so sorting, IS NULL and the paging cursor agree.
 */
export interface Field {
  sql: string;
  kind: 'text' | 'jsonb';
  /** Never NULL (collection, id): sorted without NULLS FIRST/LAST so that the primary key index serves. */
  notNull: boolean;
}

const COLUMNS: Record<string, Field> = {
  id: { sql: 'i.id', kind: 'text', notNull: true },
  collection: { sql: 'i.collection', kind: 'text', notNull: true },
  datetime: { sql: 'i.datetime', kind: 'text', notNull: false },
  start_datetime: { sql: 'i.start_dt', kind: 'text', notNull: false },
  end_datetime: { sql: 'i.end_dt', kind: 'text', notNull: false },
};

export function field(name: string): Field {
  const n = name.startsWith('properties.') ? name.slice('properties.'.length) : name;
  const col = COLUMNS[n];
  if (col) return col;
  if (n === 'geometry') {
    throw new TerraHubError('TH_STAC_BAD_FILTER', 'geometry can only be used with spatial operators');
  }
  if (!/^[^"\\\0]{1,256}$/.test(n)) {
    throw new TerraHubError('TH_STAC_BAD_SEARCH', `field name ${JSON.stringify(name)} is not valid`);
  }
  // Inlined as a literal (not a parameter) so that the same text in ORDER BY and WHERE is one expression.
  return { sql: `NULLIF(i.props -> '${n.replaceAll("'", "''")}', 'null')`, kind: 'jsonb', notNull: false };
}

/** A field as text (jsonb strings unquoted, other JSON values as their JSON text). */
export function fieldText(f: Field): string {
  return f.kind === 'text' ? f.sql : `(${f.sql} #>> '{}')`;
}

export interface OrderKey {
  field: Field;
  desc: boolean;
}

/** Sort keys with the (collection, id) tiebreaker that makes every order total. */
export function fullOrder(sortby: SortKey[]): OrderKey[] {
  const keys = sortby.map((k) => ({ field: field(k.field), desc: k.direction === 'desc' }));
  const desc = keys[0]?.desc ?? false;
  return [...keys, { field: COLUMNS['collection']!, desc }, { field: COLUMNS['id']!, desc }];
}

export function orderSql(order: OrderKey[]): string {
  return order
    .map(({ field: f, desc }) => {
      if (f.notNull) return `${f.sql} ${desc ? 'DESC' : 'ASC'}`;
      return `${f.sql} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`;
    })
    .join(', ');
}

function bind(p: Params, f: Field, v: unknown): string {
  return f.kind === 'text' ? p.add(v, 'text') : p.add(JSON.stringify(v), 'jsonb');
}

/** Rows strictly after the cursor in `order`. */
export function keysetSql(order: OrderKey[], c: PageCursor, p: Params): string {
  const values = [...c.values, c.collection, c.id];
  if (values.length !== order.length) throw new TerraHubError('TH_STAC_BAD_TOKEN');
  const first = order[0]!;
  // One text key (or none) whose cursor value is set: a row comparison, which an index on
  // (key, collection, id) or the primary key answers as a range instead of filtering every row.
  if (order.length <= 3 && first.field.kind === 'text' && values[0] !== null) {
    const row = `(${order.map((o) => o.field.sql).join(', ')})`;
    const vals = `(${order.map((o, i) => bind(p, o.field, values[i])).join(', ')})`;
    if (!first.desc) return `${row} > ${vals}`;
    return first.field.notNull ? `${row} < ${vals}` : `(${row} < ${vals} OR ${first.field.sql} IS NULL)`;
  }
  const ors: string[] = [];
  for (let k = 0; k < order.length; k++) {
    const ands: string[] = [];
    for (let j = 0; j < k; j++) {
      const v = values[j];
      const f = order[j]!.field;
      ands.push(v === null ? `${f.sql} IS NULL` : `${f.sql} = ${bind(p, f, v)}`);
    }
    const { field: f, desc } = order[k]!;
    const v = values[k];
    if (v === null) {
      if (desc) continue; // nothing sorts after NULL when descending
      ands.push(`${f.sql} IS NOT NULL`);
    } else if (desc) {
      ands.push(`(${f.sql} < ${bind(p, f, v)} OR ${f.sql} IS NULL)`);
    } else {
      ands.push(`${f.sql} > ${bind(p, f, v)}`);
    }
    ors.push(`(${ands.join(' AND ')})`);
  }
  return ors.length ? `(${ors.join(' OR ')})` : 'FALSE';
}

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A quoted SQL string literal (for DDL, which takes no parameters). */
export function literal(s: string): string {
  if (s.includes('\0')) throw new TerraHubError('TH_BAD_REQUEST', 'NUL characters are not allowed');
  return `'${s.replaceAll("'", "''")}'`;
}
