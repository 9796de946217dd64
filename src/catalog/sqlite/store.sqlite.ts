/**
 * The sqlite CatalogStore (the default): tables in TerraHub's state database, an R*Tree of item bboxes, and
 * keyset-paged searches. better-sqlite3 is synchronous, so each method runs in one go and batches are one
 * transaction (all or nothing).
 */
import { migrate, type Db } from '../../core/db.ts';
import { TerraHubError } from '../../core/errors.ts';
import { itemRowGroup, type ItemRowGroup } from '../item-rows.ts';
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
import { registerCatalogFunctions } from './functions.sqlite.ts';
import { countMatches } from './count.sqlite.ts';
import { CATALOG_MIGRATIONS } from './migrations.sqlite.ts';
import {
  fieldSql,
  fullOrder,
  keysetSql,
  OPEN_FUTURE,
  OPEN_PAST,
  orderSql,
  rtreeTime,
  whereSql,
} from './search.sqlite.ts';

interface CollectionRow {
  id: string;
  content: string;
  owner: string | null;
  visibility: string;
  groups: string;
  etag: string;
}

/** The page cache the store asks of its connection, in KiB. */
const CACHE_KIB = 65536;

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

interface CurrentRow {
  rid: number;
  etag: string;
}

const ITEM_COLUMNS = 'datetime, start_dt, end_dt, geometry, content, etag, props, minx, miny, maxx, maxy';

/** The statements of item writes, prepared once per store. */
function prepareWrites(db: Db) {
  return {
    current: db.prepare('SELECT rid, etag FROM catalog_items WHERE collection = ? AND id = ?'),
    insert: db.prepare(
      `INSERT INTO catalog_items (collection, id, ${ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    update: db.prepare(
      `UPDATE catalog_items SET (${ITEM_COLUMNS}) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE rid = ?`,
    ),
    rtree: db.prepare(
      `INSERT OR REPLACE INTO catalog_items_st (rid, minx, maxx, miny, maxy, mint, maxt)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    rtreeDelete: db.prepare('DELETE FROM catalog_items_st WHERE rid = ?'),
    property: db.prepare(
      'INSERT OR IGNORE INTO catalog_properties (collection, name, type) VALUES (?, ?, ?)',
    ),
  };
}

function box(b: [number, number, number, number] | null): Array<number | null> {
  return b ? b : [null, null, null, null];
}

export class SqliteCatalogStore implements CatalogStore {
  readonly driver = 'sqlite';
  /** Properties already recorded per collection, so ingest skips the INSERT OR IGNORE most of the time. */
  private seen = new Map<string, Set<string>>();
  private statements: ReturnType<typeof prepareWrites> | undefined;

  constructor(private readonly db: Db) {
    migrate(db, 'catalog', CATALOG_MIGRATIONS);
    registerCatalogFunctions(db);
    // SQLite's default page cache is 2 MiB: a search at a million items then rereads the indexes it walks
    // from the OS for every query. 64 MiB keeps their hot pages (allocated as used; a larger setting, such
    // as a bulk load's, is kept).
    const cache = db.pragma('cache_size', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    if ((cache < 0 ? -cache : (cache * pageSize) / 1024) < CACHE_KIB) db.pragma(`cache_size = -${CACHE_KIB}`);
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
    const group = itemRowGroup(collection, items);
    await this.putItemRows([group], opts);
    return items.map((item, i) => ({ item, etag: group.rows[i]!.etag }));
  }

  /**
   * One transaction for the whole batch. Without If-Match, create inserts straight away (the unique index
   * refuses an existing id); the other modes read the current row first (its ETag, and its rowid, which the
   * R*Tree entry is keyed by).
   */
  async putItemRows(groups: ItemRowGroup[], opts: WriteOptions): Promise<void> {
    const s = (this.statements ??= prepareWrites(this.db));
    const blind = opts.mode === 'create' && opts.ifMatch === undefined;
    const added: Array<[string, string]> = [];
    this.db.transaction(() => {
      for (const g of groups) {
        for (const r of g.rows) {
          const values = [r.start, r.start, r.end, r.geometry, r.content, r.etag, r.props, ...box(r.bbox)];
          let rid: number;
          const cur = blind ? undefined : (s.current.get(g.collection, r.id) as CurrentRow | undefined);
          checkWrite('item', r.id, cur?.etag, opts);
          if (cur) {
            s.update.run(...values, cur.rid);
            rid = cur.rid;
            if (!r.bbox) s.rtreeDelete.run(rid);
          } else {
            try {
              rid = Number(s.insert.run(g.collection, r.id, ...values).lastInsertRowid);
            } catch (e) {
              if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE')
                checkWrite('item', r.id, 'existing', opts);
              throw e;
            }
          }
          if (r.bbox) {
            const [x0, y0, x1, y1] = r.bbox;
            const t0 = rtreeTime(r.start, OPEN_PAST);
            s.rtree.run(rid, x0, x1, y0, y1, t0, rtreeTime(r.end, OPEN_FUTURE));
          }
        }
        const seen = this.seen.get(g.collection);
        for (const [name, type] of g.properties) {
          if (seen?.has(name)) continue;
          s.property.run(g.collection, name, type);
          added.push([g.collection, name]);
        }
      }
    })();
    // Recorded once committed: a failed batch must not hide its properties from the next one.
    for (const [c, name] of added) {
      if (!this.seen.has(c)) this.seen.set(c, new Set());
      this.seen.get(c)!.add(name);
    }
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
    // Counting costs a second pass: done on first pages only, over at most countLimit items.
    let counted = { n: null as number | null, exact: true };
    if (!q.after) {
      counted =
        page.length < q.limit
          ? { n: page.length, exact: true }
          : countMatches(this.db, q, where, page.length + (more ? 1 : 0));
    }
    const texts = page.map((r) => contents.get(r.rid)!);
    let items: StacItem[] | undefined;
    return {
      get items() {
        return (items ??= texts.map((t) => JSON.parse(t) as StacItem));
      },
      texts,
      next,
      numberMatched: counted.n,
      numberMatchedExact: counted.exact,
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
         FROM catalog_items_st r JOIN catalog_items i ON i.rid = r.rid WHERE i.collection = ?`,
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

  async analyze(): Promise<void> {
    // SQLite's planner needs no statistics for these indexes; ANALYZE would scan every item.
  }

  async close(): Promise<void> {
    // The database belongs to the services; nothing of our own to release.
  }
}

function now(): string {
  return new Date().toISOString();
}
