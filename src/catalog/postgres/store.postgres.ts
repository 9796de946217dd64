/**
 * The postgres CatalogStore (catalog.driver postgres): PostgreSQL with PostGIS, for catalogs larger than
 * one machine's SQLite serves well, or shared by several TerraHubs. Tables, partitions and indexes are in
 * migrations.postgres.ts; queries in search.postgres.ts, sql.postgres.ts and cql2.postgres.ts. Semantics
 * (ETags, sort order, paging cursors, counting) are the sqlite driver's; the contract suite runs on both.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TerraHubError } from '../../core/errors.ts';
import type {
  CollectionAccess,
  SearchPage,
  SearchQuery,
  StacCollection,
  StacItem,
  StoredCollection,
  StoredItem,
} from '../model.ts';
import { checkWrite, etagOf } from '../store.rules.ts';
import type { CatalogStore, ItemStats, SeenProperty, WriteOptions } from '../store.ts';
import { migratePostgres } from './migrations.postgres.ts';
import { countMatches } from './count.postgres.ts';
import { itemStats, seenProperties, summarize } from './stats.postgres.ts';
import { whereSql } from './search.postgres.ts';
import { fullOrder, ident, keysetSql, literal, orderSql, Params } from './sql.postgres.ts';
import { writeRows } from './write.postgres.ts';
import { itemRowGroup, type ItemRowGroup } from '../item-rows.ts';

export interface PostgresCatalogOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Schema of the catalog's tables (created when missing). */
  schema: string;
  poolSize: number;
}

interface CollectionRow {
  content: string;
  owner: string | null;
  visibility: string;
  groups: string[];
  etag: string;
}

function toStored(r: CollectionRow): StoredCollection {
  return {
    collection: JSON.parse(r.content) as StacCollection,
    access: {
      owner: r.owner,
      visibility: r.visibility === 'public' ? 'public' : 'private',
      groups: r.groups,
    },
    etag: r.etag,
  };
}

/** The table name of a collection's partition: readable, and unique by a hash of the id. */
function partitionName(id: string): string {
  const slug = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 32);
  return `catalog_items_${slug}_${createHash('sha256').update(id).digest('hex').slice(0, 10)}`;
}

export class PostgresCatalogStore implements CatalogStore {
  readonly driver = 'postgres';
  private readonly pool: pg.Pool;
  /** Properties already recorded per collection, so most batches skip the properties insert. */
  private seen = new Map<string, Set<string>>();

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects, creates the schema and applies migrations; fails with TH_UNAVAILABLE if it cannot. */
  static async open(o: PostgresCatalogOptions): Promise<PostgresCatalogStore> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(o.schema)) {
      throw new TerraHubError(
        'TH_UNAVAILABLE',
        `catalog.postgres.schema "${o.schema}" is not a plain SQL name`,
      );
    }
    const pool = new pg.Pool({
      connectionString: o.url,
      max: o.poolSize,
      // No JIT: it compiles a search's expressions when the planner's cost passes jit_above_cost, which
      // catalog searches at a million items do, and took 50 ms for queries that run in 20.
      options: `-c search_path=${o.schema},public -c jit=off`,
    });
    // An idle client's connection error (the server restarted) must not crash the process; the pool drops it.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client, o.schema);
      } finally {
        client.release();
      }
    } catch (e) {
      await pool.end();
      if (e instanceof TerraHubError) throw e;
      throw new TerraHubError('TH_UNAVAILABLE', `catalog database: ${(e as Error).message}`);
    }
    return new PostgresCatalogStore(pool);
  }

  /** Runs `fn` in one transaction on one connection (all or nothing). */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const r = await fn(client);
      await client.query('COMMIT');
      return r;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async getCollection(id: string): Promise<StoredCollection | null> {
    const r = await this.pool.query<CollectionRow>('SELECT * FROM catalog_collections WHERE id = $1', [id]);
    return r.rows[0] ? toStored(r.rows[0]) : null;
  }

  async listCollections(): Promise<StoredCollection[]> {
    const r = await this.pool.query<CollectionRow>('SELECT * FROM catalog_collections ORDER BY id');
    return r.rows.map(toStored);
  }

  async putCollection(
    c: StacCollection,
    access: CollectionAccess,
    opts: WriteOptions,
  ): Promise<StoredCollection> {
    const content = JSON.stringify(c);
    const etag = etagOf(content);
    const part = partitionName(c.id);
    await this.tx(async (db) => {
      const cur = await db.query<{ etag: string }>(
        'SELECT etag FROM catalog_collections WHERE id = $1 FOR UPDATE',
        [c.id],
      );
      checkWrite('collection', c.id, cur.rows[0]?.etag, opts);
      const r = await db.query(
        `INSERT INTO catalog_collections (id, content, owner, visibility, groups, etag, partition)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO ${
           opts.mode === 'create'
             ? 'NOTHING'
             : `UPDATE SET content = excluded.content,
           owner = excluded.owner, visibility = excluded.visibility, groups = excluded.groups,
           etag = excluded.etag, updated_at = now()`
         }`,
        [c.id, content, access.owner, access.visibility, JSON.stringify(access.groups), etag, part],
      );
      // A concurrent create of the same id committed between our read and our insert.
      if (!r.rowCount) checkWrite('collection', c.id, 'concurrent', opts);
      if (!cur.rows.length) {
        await db.query(
          `CREATE TABLE IF NOT EXISTS ${ident(part)} PARTITION OF catalog_items FOR VALUES IN (${literal(c.id)})`,
        );
      }
    });
    return { collection: c, access, etag };
  }

  async setAccess(id: string, access: CollectionAccess): Promise<void> {
    await this.pool.query(
      'UPDATE catalog_collections SET owner = $1, visibility = $2, groups = $3 WHERE id = $4',
      [access.owner, access.visibility, JSON.stringify(access.groups), id],
    );
  }

  async deleteCollection(id: string, ifMatch?: string): Promise<boolean> {
    const deleted = await this.tx(async (db) => {
      const cur = await db.query<{ etag: string; partition: string }>(
        'SELECT etag, partition FROM catalog_collections WHERE id = $1 FOR UPDATE',
        [id],
      );
      const row = cur.rows[0];
      if (!row) return false;
      if (ifMatch !== undefined && ifMatch !== row.etag) throw new TerraHubError('TH_STAC_ETAG_MISMATCH');
      // Dropping the partition removes every item at once, however many.
      await db.query(`DROP TABLE IF EXISTS ${ident(row.partition)}`);
      await db.query('DELETE FROM catalog_collections WHERE id = $1', [id]);
      return true;
    });
    this.seen.delete(id);
    return deleted;
  }

  async getItem(collection: string, id: string): Promise<StoredItem | null> {
    const r = await this.pool.query<{ content: string; etag: string }>(
      'SELECT content, etag FROM catalog_items WHERE collection = $1 AND id = $2',
      [collection, id],
    );
    const row = r.rows[0];
    return row ? { item: JSON.parse(row.content) as StacItem, etag: row.etag } : null;
  }

  async putItems(collection: string, items: StacItem[], opts: WriteOptions): Promise<StoredItem[]> {
    const group = itemRowGroup(collection, items);
    await this.putItemRows([group], opts);
    return items.map((item, i) => ({ item, etag: group.rows[i]!.etag }));
  }

  async putItemRows(groups: ItemRowGroup[], opts: WriteOptions): Promise<void> {
    const added = groups.map((g) => {
      const known = this.seen.get(g.collection);
      return { collection: g.collection, props: g.properties.filter(([n]) => !known?.has(n)) };
    });
    await this.tx(async (db) => {
      await writeRows(db, groups, opts);
      for (const a of added.filter((x) => x.props.length)) {
        await db.query(
          `INSERT INTO catalog_properties (collection, name, type)
           SELECT $1, n, t FROM unnest($2::text[], $3::text[]) AS u(n, t) ON CONFLICT DO NOTHING`,
          [a.collection, a.props.map(([n]) => n), a.props.map(([, t]) => t)],
        );
      }
    });
    // Recorded only once committed: a failed batch must not hide its properties from the next one.
    for (const a of added) {
      const known = this.seen.get(a.collection) ?? new Set<string>();
      for (const [n] of a.props) known.add(n);
      this.seen.set(a.collection, known);
    }
  }

  async deleteItem(collection: string, id: string, ifMatch?: string): Promise<boolean> {
    return this.tx(async (db) => {
      const cur = await db.query<{ etag: string }>(
        'SELECT etag FROM catalog_items WHERE collection = $1 AND id = $2 FOR UPDATE',
        [collection, id],
      );
      const row = cur.rows[0];
      if (!row) return false;
      if (ifMatch !== undefined && ifMatch !== row.etag) throw new TerraHubError('TH_STAC_ETAG_MISMATCH');
      await db.query('DELETE FROM catalog_items WHERE collection = $1 AND id = $2', [collection, id]);
      return true;
    });
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const p = new Params();
    const conds = [whereSql(q, p)];
    const order = fullOrder(q.sortby);
    if (q.after) conds.push(keysetSql(order, q.after, p));
    for (const c of p.validityChecks) {
      const r = await this.query<{ why: string }>(
        'SELECT ST_IsValidReason(ST_GeomFromGeoJSON($1::text)) AS why',
        [c.geojson],
      );
      const why = r[0]?.why ?? 'unreadable';
      if (why !== 'Valid Geometry')
        throw new TerraHubError(
          'TH_STAC_BAD_FILTER',
          `the geometry of ${c.op} is not a valid geometry: ${why}`,
        );
    }
    const keys = order.map((o, i) => `${o.field.sql} AS k${i}`).join(', ');
    const limit = p.add(q.limit + 1, 'int8');
    const rows = await this.query<Record<string, unknown> & { content: string }>(
      `SELECT i.content, ${keys} FROM catalog_items i WHERE ${conds.join(' AND ')}
       ORDER BY ${orderSql(order)} LIMIT ${limit}`,
      p.values,
    );
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    let next = null;
    if (more && last) {
      const vals = order.map((_, i) => last[`k${i}`] ?? null);
      next = { values: vals.slice(0, -2), collection: vals.at(-2) as string, id: vals.at(-1) as string };
    }
    let counted: { n: number | null; exact: boolean } = { n: null, exact: true };
    if (!q.after) {
      counted =
        page.length < q.limit
          ? { n: page.length, exact: true }
          : await countMatches((sql, v) => this.query(sql, v), q, page.length + (more ? 1 : 0));
    }
    const texts = page.map((r) => r.content);
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

  /** A read query; PostgreSQL's data errors (a value or geometry it cannot use) are the client's 400. */
  private async query<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query<T>(sql, values)).rows;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      // Class 22 is "data exception"; XX000 is what PostGIS raises for geometries GEOS cannot use.
      if (typeof code === 'string' && (code.startsWith('22') || code === 'XX000')) {
        throw new TerraHubError(
          'TH_STAC_BAD_SEARCH',
          `the database could not run this search: ${(e as Error).message}`,
        );
      }
      throw e;
    }
  }

  itemStats(collection: string): Promise<ItemStats> {
    return itemStats(this.pool, collection);
  }

  seenProperties(collections: string[]): Promise<SeenProperty[]> {
    return seenProperties(this.pool, collections);
  }

  summarize(collection: string): Promise<Record<string, unknown>> {
    return summarize(this.pool, collection);
  }

  /** ANALYZE of the collections' partitions: a fresh load's statistics, before autovacuum gets to them. */
  async analyze(collections: string[]): Promise<void> {
    const r = await this.pool.query<{ partition: string }>(
      'SELECT partition FROM catalog_collections WHERE id = ANY($1::text[])',
      [collections],
    );
    for (const row of r.rows) await this.pool.query(`ANALYZE ${ident(row.partition)}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
