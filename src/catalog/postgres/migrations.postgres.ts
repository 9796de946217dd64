/**
 * The postgres driver's tables, in their own schema (catalog.postgres.schema), with migrations of their own
 * (append-only, applied in order under an advisory lock so that several TerraHubs starting together agree).
 *
 * Items are LIST-partitioned by collection: a collection's items are one table (its partition is created
 * with the collection and dropped with it), searches of some collections read only their partitions, and
 * every index below exists per partition. Times are normalized ISO text (COLLATE "C": string order is time
 * order, exactly as in the sqlite driver, so paging tokens mean the same in both).
 */
import type { PoolClient } from 'pg';
import { TerraHubError } from '../../core/errors.ts';
import { ident } from './sql.postgres.ts';

export const POSTGRES_MIGRATIONS: string[] = [
  `CREATE TABLE catalog_collections (
     id text COLLATE "C" PRIMARY KEY,
     content text NOT NULL,
     owner text,
     visibility text NOT NULL DEFAULT 'private',
     groups jsonb NOT NULL DEFAULT '[]',
     etag text NOT NULL,
     partition text NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE TABLE catalog_items (
     collection text COLLATE "C" NOT NULL,
     id text COLLATE "C" NOT NULL,
     datetime text COLLATE "C",
     start_dt text COLLATE "C",
     end_dt text COLLATE "C",
     geom geometry(Geometry, 4326),
     minx float8, miny float8, maxx float8, maxy float8,
     props jsonb NOT NULL,
     content text NOT NULL,
     etag text NOT NULL,
     PRIMARY KEY (collection, id)
   ) PARTITION BY LIST (collection);
   CREATE INDEX catalog_items_geom ON catalog_items USING gist (geom);
   -- NULLS FIRST: read forward it is ASC NULLS FIRST, backward DESC NULLS LAST, the two orders searches use.
   CREATE INDEX catalog_items_datetime ON catalog_items (datetime NULLS FIRST, collection, id);
   CREATE INDEX catalog_items_start ON catalog_items (start_dt);
   CREATE INDEX catalog_items_end ON catalog_items (end_dt);
   CREATE INDEX catalog_items_id ON catalog_items (id);
   CREATE TABLE catalog_properties (
     collection text COLLATE "C" NOT NULL REFERENCES catalog_collections(id) ON DELETE CASCADE,
     name text COLLATE "C" NOT NULL,
     type text NOT NULL,
     PRIMARY KEY (collection, name)
   );`,
  // 2: documents are compressed with lz4 where the server has it (Debian's PostgreSQL does): about as small
  // as the default pglz, and several times faster to write, which bulk loads feel. Partitions, present and
  // future, take the parent's setting.
  `DO $$ BEGIN
     IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
       ALTER TABLE catalog_items ALTER COLUMN content SET COMPRESSION lz4;
       ALTER TABLE catalog_items ALTER COLUMN props SET COMPRESSION lz4;
     END IF;
   END $$;`,
  // 3: space and time in one GIST index, so that a bbox + datetime search reads only the items matching
  // both: with the geometry index alone it read every item of the box in every year, and the planner
  // ANDed in the start/end btrees (hundreds of thousands of entries each). The time span is a range of the
  // normalized ISO texts (COLLATE "C": string order is time order), least/greatest so that no stored item
  // can make an empty range an error. search.postgres.ts writes the same expression (TIME_RANGE).
  `CREATE TYPE catalog_trange AS RANGE (subtype = text, collation = "C");
   CREATE INDEX catalog_items_geom_time ON catalog_items
     USING gist (geom, catalog_trange(least(start_dt, end_dt), greatest(start_dt, end_dt), '[]'));`,
];

/** Creates the schema if needed and applies the migrations not applied yet. */
export async function migratePostgres(client: PoolClient, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`terrahub-catalog:${schema}`]);
    const postgis = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'");
    if (!postgis.rowCount) {
      throw new TerraHubError(
        'TH_UNAVAILABLE',
        'the database has no postgis extension: run `create extension postgis` in it as a superuser (scripts/postgres.sh does)',
      );
    }
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
    // The connection's search_path named the schema before it existed: set it again for the DDL below.
    await client.query(`SET LOCAL search_path TO ${ident(schema)}, public`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${ident(schema)}.catalog_migrations
         (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const r = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${ident(schema)}.catalog_migrations`,
    );
    for (let v = (r.rows[0]?.v ?? 0) + 1; v <= POSTGRES_MIGRATIONS.length; v++) {
      await client.query(POSTGRES_MIGRATIONS[v - 1]!);
      await client.query(`INSERT INTO ${ident(schema)}.catalog_migrations (version) VALUES ($1)`, [v]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}
