/**
 * The catalog's tables in the state database (migrations area 'catalog'; append-only).
 * Items keep their document as JSON text beside the columns searches use: normalized times (string order is
 * time order), the geometry, and an R*Tree of bounding boxes keyed by the item's rowid.
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
];
