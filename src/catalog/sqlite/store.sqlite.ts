/**
 * The sqlite CatalogStore (the default): tables in TerraHub's state database, an R*Tree of item bboxes, and
 * keyset-paged searches. better-sqlite3 is synchronous, so each method runs in one go and batches are one
 * transaction (all or nothing).
 */
import { migrate, type Db } from '../../core/db.ts';
import { TerraHubError } from '../../core/errors.ts';
import { geometryBbox } from '../geometry.ts';
import type {
  CollectionAccess,
  SearchPage,
  SearchQuery,
  StacCollection,
  StacItem,
  StoredCollection,
  StoredItem,
} from '../model.ts';
import { checkWrite, etagOf, SUMMARY_SKIP } from '../store.rules.ts';
import type { CatalogStore, ItemStats, SeenProperty, WriteOptions } from '../store.ts';
import { itemTimeRange } from '../time.ts';
import { registerCatalogFunctions } from './functions.sqlite.ts';
import { CATALOG_MIGRATIONS } from './migrations.sqlite.ts';
import { fieldSql, fullOrder, keysetSql, orderSql, whereSql } from './search.sqlite.ts';

interface CollectionRow {
  id: string;
  content: string;
  owner: string | null;
  visibility: string;
  groups: string;
  etag: string;
}

/** The columns searches read (never the document itself, which is large and stored in overflow pages). */
const SEARCH_COLUMNS =
  'rid, collection, id, datetime, start_dt, end_dt, geometry, props, minx, miny, maxx, maxy';

function toStored(r: CollectionRow): StoredCollection {
  return {
    collection: JSON.parse(r.content) as StacCollection,
    access: {
      owner: r.owner,
      visibility: r.visibility === 'public' ? 'public' : 'private',
      groups: JSON.parse(r.groups) as string[],
    },
    etag: r.etag,
  };
}

function jsonType(v: unknown): SeenProperty['type'] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : null;
}

export class SqliteCatalogStore implements CatalogStore {
  readonly driver = 'sqlite';
  /** Properties already recorded per collection, so ingest skips the INSERT OR IGNORE most of the time. */
  private seen = new Map<string, Set<string>>();

  constructor(private readonly db: Db) {
    migrate(db, 'catalog', CATALOG_MIGRATIONS);
    registerCatalogFunctions(db);
  }

  async getCollection(id: string): Promise<StoredCollection | null> {
    const r = this.db.prepare('SELECT * FROM catalog_collections WHERE id = ?').get(id) as
      CollectionRow | undefined;
    return r ? toStored(r) : null;
  }

  async listCollections(): Promise<StoredCollection[]> {
    const rows = this.db.prepare('SELECT * FROM catalog_collections ORDER BY id').all() as CollectionRow[];
    return rows.map(toStored);
  }

  async putCollection(
    c: StacCollection,
    access: CollectionAccess,
    opts: WriteOptions,
  ): Promise<StoredCollection> {
    const content = JSON.stringify(c);
    const etag = etagOf(content);
    this.db.transaction(() => {
      const cur = this.db.prepare('SELECT etag FROM catalog_collections WHERE id = ?').get(c.id) as
        { etag: string } | undefined;
      checkWrite('collection', c.id, cur?.etag, opts);
      this.db
        .prepare(
          `INSERT INTO catalog_collections (id, content, owner, visibility, groups, etag, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET content = excluded.content, owner = excluded.owner,
             visibility = excluded.visibility, groups = excluded.groups, etag = excluded.etag,
             updated_at = excluded.updated_at`,
        )
        .run(c.id, content, access.owner, access.visibility, JSON.stringify(access.groups), etag, now());
    })();
    return { collection: c, access, etag };
  }

  async setAccess(id: string, access: CollectionAccess): Promise<void> {
    this.db
      .prepare('UPDATE catalog_collections SET owner = ?, visibility = ?, groups = ? WHERE id = ?')
      .run(access.owner, access.visibility, JSON.stringify(access.groups), id);
  }

  async deleteCollection(id: string, ifMatch?: string): Promise<boolean> {
    return this.db.transaction(() => {
      const cur = this.db.prepare('SELECT etag FROM catalog_collections WHERE id = ?').get(id) as
        { etag: string } | undefined;
      if (!cur) return false;
      if (ifMatch !== undefined && ifMatch !== cur.etag) throw new TerraHubError('TH_STAC_ETAG_MISMATCH');
      this.db.prepare('DELETE FROM catalog_items WHERE collection = ?').run(id);
      this.db.prepare('DELETE FROM catalog_collections WHERE id = ?').run(id);
      this.seen.delete(id);
      return true;
    })();
  }

  async getItem(collection: string, id: string): Promise<StoredItem | null> {
    const r = this.db
      .prepare('SELECT content, etag FROM catalog_items WHERE collection = ? AND id = ?')
      .get(collection, id) as { content: string; etag: string } | undefined;
    return r ? { item: JSON.parse(r.content) as StacItem, etag: r.etag } : null;
  }

  async putItems(collection: string, items: StacItem[], opts: WriteOptions): Promise<StoredItem[]> {
    const getEtag = this.db.prepare('SELECT rid, etag FROM catalog_items WHERE collection = ? AND id = ?');
    const upsert = this.db.prepare(
      `INSERT INTO catalog_items
         (collection, id, datetime, start_dt, end_dt, geometry, content, etag, props, minx, miny, maxx, maxy)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(collection, id) DO UPDATE SET datetime = excluded.datetime, start_dt = excluded.start_dt,
         end_dt = excluded.end_dt, geometry = excluded.geometry, content = excluded.content, etag = excluded.etag,
         props = excluded.props, minx = excluded.minx, miny = excluded.miny, maxx = excluded.maxx,
         maxy = excluded.maxy
       RETURNING rid`,
    );
    const rtree = this.db.prepare(
      'INSERT OR REPLACE INTO catalog_items_rtree (rid, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)',
    );
    const rtreeDelete = this.db.prepare('DELETE FROM catalog_items_rtree WHERE rid = ?');
    const prop = this.db.prepare(
      'INSERT OR IGNORE INTO catalog_properties (collection, name, type) VALUES (?, ?, ?)',
    );
    const seen = this.seen.get(collection) ?? new Set<string>();
    this.seen.set(collection, seen);
    const out: StoredItem[] = [];
    this.db.transaction(() => {
      for (const item of items) {
        const cur = getEtag.get(collection, item.id) as { etag: string } | undefined;
        checkWrite('item', item.id, cur?.etag, opts);
        const content = JSON.stringify(item);
        const etag = etagOf(content);
        const t = itemTimeRange(item.properties);
        const b = item.geometry ? geometryBbox(item.geometry) : null;
        const { rid } = upsert.get(
          collection,
          item.id,
          t.start,
          t.start,
          t.end,
          item.geometry ? JSON.stringify(item.geometry) : null,
          content,
          etag,
          JSON.stringify(item.properties),
          b?.[0] ?? null,
          b?.[1] ?? null,
          b?.[2] ?? null,
          b?.[3] ?? null,
        ) as { rid: number };
        if (b) rtree.run(rid, b[0], b[2], b[1], b[3]);
        else rtreeDelete.run(rid);
        for (const [name, v] of Object.entries(item.properties)) {
          const type = jsonType(v);
          if (!type || seen.has(name)) continue;
          prop.run(collection, name, type);
          seen.add(name);
        }
        out.push({ item, etag });
      }
    })();
    return out;
  }

  async deleteItem(collection: string, id: string, ifMatch?: string): Promise<boolean> {
    return this.db.transaction(() => {
      const cur = this.db
        .prepare('SELECT etag FROM catalog_items WHERE collection = ? AND id = ?')
        .get(collection, id) as { etag: string } | undefined;
      if (!cur) return false;
      if (ifMatch !== undefined && ifMatch !== cur.etag) throw new TerraHubError('TH_STAC_ETAG_MISMATCH');
      this.db.prepare('DELETE FROM catalog_items WHERE collection = ? AND id = ?').run(collection, id);
      return true;
    })();
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const where = whereSql(q);
    const order = fullOrder(q.sortby);
    const keys = order.map((o, i) => `${o.expr} AS k${i}`).join(', ');
    const conds = [where.sql];
    const params = [...where.params];
    if (q.after) {
      const ks = keysetSql(order, q.after);
      conds.push(ks.sql);
      params.push(...ks.params);
    }
    // Rows are ordered by their keys alone; documents are read after, for the page only (sorting whole
    // documents would move every match's JSON through the sorter).
    const rows = this.db
      .prepare(
        `SELECT i.rid, ${keys} FROM catalog_items i WHERE ${conds.join(' AND ')}
         ORDER BY ${orderSql(order)} LIMIT ?`,
      )
      .all(...params, q.limit + 1) as Array<Record<string, unknown> & { rid: number }>;
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const contents = new Map<number, string>();
    for (let i = 0; i < page.length; i += 500) {
      const part = page.slice(i, i + 500).map((r) => r.rid);
      const got = this.db
        .prepare(`SELECT rid, content FROM catalog_items WHERE rid IN (${part.map(() => '?').join(',')})`)
        .all(...part) as Array<{ rid: number; content: string }>;
      for (const g of got) contents.set(g.rid, g.content);
    }
    const last = page[page.length - 1];
    let next = null;
    if (more && last) {
      const vals = order.map((_, i) => last[`k${i}`] ?? null);
      next = { values: vals.slice(0, -2), collection: vals.at(-2) as string, id: vals.at(-1) as string };
    }
    // Counting costs a second pass: done on first pages only, and over at most countLimit items. When the
    // searched collections hold more, the count is estimated from the first countLimit of them.
    let n: number | null = null;
    let exact = true;
    if (!q.after) {
      n = page.length < q.limit ? page.length : null;
      if (n === null) {
        const inList = q.collections.map(() => '?').join(',');
        const total = (
          this.db
            .prepare(`SELECT COUNT(*) AS n FROM catalog_items WHERE collection IN (${inList})`)
            .get(...q.collections) as { n: number }
        ).n;
        const sample = Math.min(total, q.countLimit);
        const matched = (
          this.db
            .prepare(
              `SELECT COUNT(*) AS n FROM (SELECT ${SEARCH_COLUMNS} FROM catalog_items
                 WHERE collection IN (${inList}) LIMIT ?) i
               WHERE ${where.sql}`,
            )
            .get(...q.collections, sample, ...where.params) as { n: number }
        ).n;
        exact = total <= q.countLimit;
        n = exact ? matched : Math.max(Math.round((matched * total) / sample), page.length + (more ? 1 : 0));
      }
    }
    return {
      items: page.map((r) => JSON.parse(contents.get(r.rid)!) as StacItem),
      next,
      numberMatched: n,
      numberMatchedExact: exact,
    };
  }

  async itemStats(collection: string): Promise<ItemStats> {
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS n, MIN(start_dt) AS s, MAX(end_dt) AS e FROM catalog_items WHERE collection = ?`,
      )
      .get(collection) as { n: number; s: string | null; e: string | null };
    const b = this.db
      .prepare(
        `SELECT MIN(r.minx) AS x0, MIN(r.miny) AS y0, MAX(r.maxx) AS x1, MAX(r.maxy) AS y1
         FROM catalog_items_rtree r JOIN catalog_items i ON i.rid = r.rid WHERE i.collection = ?`,
      )
      .get(collection) as { x0: number | null; y0: number; x1: number; y1: number };
    return {
      count: r.n,
      start: r.s,
      end: r.e,
      bbox: b.x0 === null ? null : [b.x0, b.y0, b.x1, b.y1],
    };
  }

  async seenProperties(collections: string[]): Promise<SeenProperty[]> {
    if (!collections.length) return [];
    const rows = this.db
      .prepare(
        `SELECT name, MIN(type) AS type FROM catalog_properties
         WHERE collection IN (${collections.map(() => '?').join(',')}) GROUP BY name ORDER BY name`,
      )
      .all(...collections) as SeenProperty[];
    return rows;
  }

  async summarize(collection: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const p of (await this.seenProperties([collection])).slice(0, 64)) {
      if (SUMMARY_SKIP.has(p.name)) continue;
      const expr = fieldSql(p.name);
      if (p.type === 'number') {
        const r = this.db
          .prepare(`SELECT MIN(${expr}) AS lo, MAX(${expr}) AS hi FROM catalog_items i WHERE collection = ?`)
          .get(collection) as { lo: unknown; hi: unknown };
        if (typeof r.lo === 'number' && typeof r.hi === 'number')
          out[p.name] = { minimum: r.lo, maximum: r.hi };
      } else if (p.type === 'string') {
        const rows = this.db
          .prepare(
            `SELECT DISTINCT ${expr} AS v FROM catalog_items i WHERE collection = ? AND ${expr} IS NOT NULL LIMIT 21`,
          )
          .all(collection) as Array<{ v: unknown }>;
        if (rows.length <= 20) out[p.name] = rows.map((r) => r.v).sort();
      }
    }
    return out;
  }

  async close(): Promise<void> {
    // The database belongs to the services; nothing of our own to release.
  }
}

function now(): string {
  return new Date().toISOString();
}
