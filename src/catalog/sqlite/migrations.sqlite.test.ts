/**
 * A catalog written before migration 3 (2D R*Tree, no item counts) upgrades in place: its items are found
 * by bbox + datetime through the new space-time R*Tree, and numberMatched knows their number.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { migrate, openDatabase } from '../../core/db.ts';
import { itemRow } from '../item-rows.ts';
import { collection, item } from '../testing.fixtures.ts';
import { CATALOG_MIGRATIONS } from './migrations.sqlite.ts';
import { SqliteCatalogStore } from './store.sqlite.ts';

void it('upgrades a catalog of schema version 2: space-time R*Tree and counts from the existing items', async () => {
  const db = openDatabase(':memory:');
  try {
    migrate(db, 'catalog', CATALOG_MIGRATIONS.slice(0, 2));
    db.prepare(
      `INSERT INTO catalog_collections (id, content, owner, visibility, groups, etag, updated_at)
       VALUES ('old', ?, NULL, 'public', '[]', 'e', '2020-01-01T00:00:00.000Z')`,
    ).run(JSON.stringify(collection('old')));
    const items = [
      item('in-2020', { x: 1, y: 1, datetime: '2020-05-01T10:00:00.123Z', collection: 'old' }),
      item('in-2021', { x: 1, y: 1, datetime: '2021-05-01T10:00:00Z', collection: 'old' }),
      item('far-2020', { x: 50, y: 50, datetime: '2020-05-01T10:00:00Z', collection: 'old' }),
      item('range', {
        x: 2,
        y: 2,
        datetime: null,
        props: { start_datetime: '2019-01-01T00:00:00Z', end_datetime: '2020-01-01T00:00:00Z' },
        collection: 'old',
      }),
    ];
    // As the store wrote them before migration 3: the row, and the 2D R*Tree entry by rowid.
    for (const it of items) {
      const r = itemRow(it);
      const rid = db
        .prepare(
          `INSERT INTO catalog_items (collection, id, datetime, start_dt, end_dt, geometry, content, etag, props,
             minx, miny, maxx, maxy) VALUES ('old', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.id,
          r.start,
          r.start,
          r.end,
          r.geometry,
          r.content,
          r.etag,
          r.props,
          ...r.bbox!,
        ).lastInsertRowid;
      db.prepare('INSERT INTO catalog_items_rtree (rid, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)').run(
        rid,
        r.bbox![0],
        r.bbox![2],
        r.bbox![1],
        r.bbox![3],
      );
    }

    const store = new SqliteCatalogStore(db);
    const search = async (datetime: { start: string | null; end: string | null }) =>
      (
        await store.search({
          collections: ['old'],
          bboxes: [[0.5, 0.5, 3.5, 3.5]],
          datetime,
          sortby: [],
          limit: 10,
          countLimit: 100,
        })
      ).items.map((i) => i.id);
    assert.deepEqual(await search({ start: '2020-01-01T00:00:00.000Z', end: '2020-12-31T23:59:59.999Z' }), [
      'in-2020',
      'range',
    ]);
    assert.deepEqual(await search({ start: '2020-05-01T10:00:00.124Z', end: null }), ['in-2021']);
    assert.deepEqual(await search({ start: null, end: '2020-05-01T10:00:00.123Z' }), ['in-2020', 'range']);

    // The counts were filled from the items, and follow deletes.
    const estimate = async () =>
      (await store.search({ collections: ['old'], sortby: [], limit: 1, countLimit: 1 })).numberMatched;
    assert.equal(await estimate(), 4);
    assert.equal(await store.deleteItem('old', 'far-2020'), true);
    assert.equal(await estimate(), 3);
    assert.deepEqual((await store.itemStats('old')).bbox, [1, 1, 3, 3]);
  } finally {
    db.close();
  }
});
