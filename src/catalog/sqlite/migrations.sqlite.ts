/**
 * The catalog's tables in the state database (migrations area 'catalog'; append-only).
 * Items keep their document as JSON text beside the columns searches use: normalized times (string order is
 * time order), the geometry, and an R*Tree of bounding boxes and time spans keyed by the item's rowid.
 */
import type { Migration } from '../../core/db.ts';

export const CATALOG_MIGRATIONS: Migration[] = [
  `CREATE TABLE catalog_collections (
     id TEXT PRIMARY KEY,
     content TEXT NOT NULL,
     owner TEXT,
     visibility TEXT NOT NULL DEFAULT 'private',
     groups TEXT NOT NULL DEFAULT '[]',
     etag TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE catalog_items (
     rid INTEGER PRIMARY KEY,
     collection TEXT NOT NULL REFERENCES catalog_collections(id) ON DELETE CASCADE,
     id TEXT NOT NULL,
     datetime TEXT,
     start_dt TEXT,
     end_dt TEXT,
     geometry TEXT,
     content TEXT NOT NULL,
     etag TEXT NOT NULL,
     UNIQUE (collection, id)
   );
   CREATE INDEX catalog_items_datetime ON catalog_items(datetime, collection, id);
   CREATE INDEX catalog_items_start ON catalog_items(start_dt);
   CREATE INDEX catalog_items_end ON catalog_items(end_dt);
   CREATE INDEX catalog_items_id ON catalog_items(id);
   CREATE VIRTUAL TABLE catalog_items_rtree USING rtree(rid, minx, maxx, miny, maxy);
   CREATE TRIGGER catalog_items_rtree_delete AFTER DELETE ON catalog_items
   BEGIN DELETE FROM catalog_items_rtree WHERE rid = old.rid; END;
   CREATE TABLE catalog_properties (
     collection TEXT NOT NULL REFERENCES catalog_collections(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     type TEXT NOT NULL,
     PRIMARY KEY (collection, name)
   );`,
  // 2: properties apart from the whole document, so that filters and sorts parse a small JSON text.
  // and the item's box beside it (the R*Tree has it too, but a column is read without a join).
  `ALTER TABLE catalog_items ADD COLUMN props TEXT;
   ALTER TABLE catalog_items ADD COLUMN minx REAL;
   ALTER TABLE catalog_items ADD COLUMN miny REAL;
   ALTER TABLE catalog_items ADD COLUMN maxx REAL;
   ALTER TABLE catalog_items ADD COLUMN maxy REAL;
   UPDATE catalog_items SET props = json_extract(content, '$.properties');
   UPDATE catalog_items SET (minx, miny, maxx, maxy) =
     (SELECT r.minx, r.miny, r.maxx, r.maxy FROM catalog_items_rtree r WHERE r.rid = catalog_items.rid);`,
  // 3: the R*Tree gains time (months since 1970 of start_dt and end_dt, see RTREE_TIME_UNIT_S; an open end
  // is -+1e38), so that a bbox + datetime search finds the items matching both in one index instead of
  // every item in the box in every year; and item counts per collection, kept by triggers (numberMatched
  // needs the total, which COUNT(*) finds by walking an index of every item: 100 ms at a million).
  `CREATE VIRTUAL TABLE catalog_items_st USING rtree(rid, minx, maxx, miny, maxy, mint, maxt);
   INSERT INTO catalog_items_st (rid, minx, maxx, miny, maxy, mint, maxt)
     SELECT r.rid, r.minx, r.maxx, r.miny, r.maxy,
       coalesce(unixepoch(i.start_dt, 'subsec') / 2629800.0, -1e38),
       coalesce(unixepoch(i.end_dt, 'subsec') / 2629800.0, 1e38)
     FROM catalog_items_rtree r JOIN catalog_items i ON i.rid = r.rid;
   DROP TRIGGER catalog_items_rtree_delete;
   DROP TABLE catalog_items_rtree;
   CREATE TRIGGER catalog_items_st_delete AFTER DELETE ON catalog_items
   BEGIN DELETE FROM catalog_items_st WHERE rid = old.rid; END;
   CREATE TABLE catalog_counts (
     collection TEXT PRIMARY KEY REFERENCES catalog_collections(id) ON DELETE CASCADE,
     n INTEGER NOT NULL
   ) WITHOUT ROWID;
   INSERT INTO catalog_counts (collection, n)
     SELECT collection, COUNT(*) FROM catalog_items GROUP BY collection;
   CREATE TRIGGER catalog_items_count_insert AFTER INSERT ON catalog_items
   BEGIN
     INSERT INTO catalog_counts (collection, n) VALUES (new.collection, 1)
       ON CONFLICT (collection) DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER catalog_items_count_delete AFTER DELETE ON catalog_items
   BEGIN UPDATE catalog_counts SET n = n - 1 WHERE collection = old.collection; END;`,
  // 4: times in months where a first version of migration 3 (in main for minutes, never released) wrote
  // seconds: a real instant is below 1e6 months and above 1e6 seconds; open ends (1e38) stay as they are.
  `UPDATE catalog_items_st SET mint = mint / 2629800.0 WHERE abs(mint) > 1e6 AND abs(mint) < 1e37;
   UPDATE catalog_items_st SET maxt = maxt / 2629800.0 WHERE abs(maxt) > 1e6 AND abs(maxt) < 1e37;`,
];
