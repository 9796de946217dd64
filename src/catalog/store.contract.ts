/**
 * The contract every CatalogStore driver must pass (run by each driver's test file with its own factory).
 * Asserts behaviour through the interface only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SearchQuery, StacItem } from './model.ts';
import { itemRowGroup } from './item-rows.ts';
import type { CatalogStore } from './store.ts';
import { collection, item } from './testing.fixtures.ts';

const PUBLIC = { owner: 'alice', visibility: 'public' as const, groups: [] };

function q(over: Partial<SearchQuery>): SearchQuery {
  return { collections: ['c1'], sortby: [], limit: 100, countLimit: 1000, ...over };
}

const ids = (items: StacItem[]) => items.map((i) => i.id);

export function catalogStoreContract(
  name: string,
  make: () => Promise<{ store: CatalogStore; close: () => Promise<void> }>,
) {
  void describe(`CatalogStore contract: ${name}`, () => {
    let store: CatalogStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await make());
      await store.putCollection(collection('c1'), PUBLIC, { mode: 'create' });
      await store.putCollection(collection('c2'), PUBLIC, { mode: 'create' });
      const items: StacItem[] = [];
      for (let i = 0; i < 20; i++) {
        items.push(
          item(`a${String(i).padStart(2, '0')}`, {
            x: i,
            y: 0,
            datetime: `2020-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
            props: { 'eo:cloud_cover': i % 5, platform: i % 2 ? 'odd' : 'even', tags: [`t${i % 3}`] },
          }),
        );
      }
      items.push(
        item('range', {
          x: 170,
          y: 10,
          datetime: null,
          props: { start_datetime: '2021-01-01T00:00:00Z', end_datetime: '2021-12-31T00:00:00Z' },
        }),
      );
      items.push(item('nogeom', { datetime: '2019-06-01T00:00:00Z' }));
      items[items.length - 1]!.geometry = null;
      delete items[items.length - 1]!.bbox;
      await store.putItems('c1', items, { mode: 'create' });
      await store.putItems('c2', [item('b1', { x: -179.5, y: 10 })], { mode: 'create' });
    });
    after(async () => {
      await close();
    });

    void it('stores and returns collections with ETags; create twice is a conflict', async () => {
      const c = await store.getCollection('c1');
      assert.equal(c?.collection.id, 'c1');
      assert.ok(c?.etag);
      await assert.rejects(store.putCollection(collection('c1'), PUBLIC, { mode: 'create' }), {
        status: 409,
      });
      await assert.rejects(store.putCollection(collection('zz'), PUBLIC, { mode: 'replace' }), {
        status: 404,
      });
      await assert.rejects(
        store.putCollection(collection('c1', { title: 'x' }), PUBLIC, { mode: 'replace', ifMatch: 'nope' }),
        { status: 412 },
      );
      assert.deepEqual(
        (await store.listCollections()).map((x) => x.collection.id),
        ['c1', 'c2'],
      );
    });

    void it('writes a batch all or nothing', async () => {
      const batch = [item('new1', { x: 50 }), item('a00')];
      await assert.rejects(store.putItems('c1', batch, { mode: 'create' }), { status: 409 });
      assert.equal(await store.getItem('c1', 'new1'), null);
    });

    void it('finds items by bbox, exactly (not just by bounding box overlap)', async () => {
      const r = await store.search(q({ bboxes: [[2.5, 0.5, 4.5, 0.6]] }));
      assert.deepEqual(ids(r.items).sort(), ['a02', 'a03', 'a04']);
      // a triangle whose bbox covers a05 but whose shape does not touch it
      const tri = {
        type: 'Polygon',
        coordinates: [
          [
            [5.9, -1],
            [6.9, -1],
            [6.9, 0.9],
            [5.9, -1],
          ],
        ],
      };
      const r2 = await store.search(q({ intersects: tri }));
      assert.deepEqual(ids(r2.items).sort(), ['a06']);
    });

    void it('handles bboxes split at the antimeridian', async () => {
      const r = await store.search(
        q({
          collections: ['c1', 'c2'],
          bboxes: [
            [175, 5, 180, 20],
            [-180, 5, -179, 20],
          ],
        }),
      );
      assert.deepEqual(ids(r.items).sort(), ['b1']);
      const r2 = await store.search(
        q({
          collections: ['c1', 'c2'],
          bboxes: [
            [170.5, 5, 180, 20],
            [-180, 5, -179, 20],
          ],
        }),
      );
      assert.deepEqual(ids(r2.items).sort(), ['b1', 'range']);
    });

    void it('filters by datetime instants, intervals, open intervals and item ranges', async () => {
      const at = (start: string | null, end: string | null) => store.search(q({ datetime: { start, end } }));
      assert.deepEqual(ids((await at('2020-01-03T00:00:00.000Z', '2020-01-03T00:00:00.000Z')).items), [
        'a02',
      ]);
      assert.equal((await at('2020-01-18T00:00:00.000Z', null)).numberMatched, 4); // a17..a19 + range
      assert.deepEqual(ids((await at(null, '2019-12-31T00:00:00.000Z')).items), ['nogeom']);
      assert.deepEqual(ids((await at('2021-06-01T00:00:00.000Z', '2021-06-01T00:00:00.000Z')).items), [
        'range',
      ]);
    });

    void it('filters by ids and collections', async () => {
      const r = await store.search(q({ collections: ['c1', 'c2'], ids: ['a01', 'b1', 'zzz'] }));
      assert.deepEqual(ids(r.items).sort(), ['a01', 'b1']);
      assert.equal((await store.search(q({ collections: [] }))).numberMatched, 0);
    });

    void it('pages with keyset cursors in sort order, each item once', async () => {
      for (const sortby of [
        [],
        [{ field: 'eo:cloud_cover', direction: 'asc' as const }],
        [
          { field: 'properties.platform', direction: 'desc' as const },
          { field: 'datetime', direction: 'asc' as const },
        ],
      ]) {
        const seen: StacItem[] = [];
        let after = undefined;
        for (let n = 0; n < 30; n++) {
          const r: Awaited<ReturnType<CatalogStore['search']>> = await store.search(
            q({ sortby, limit: 3, after }),
          );
          seen.push(...r.items);
          if (!r.next) break;
          after = r.next;
        }
        const all = await store.search(q({ sortby, limit: 100 }));
        assert.deepEqual(ids(seen), ids(all.items), JSON.stringify(sortby));
        assert.equal(seen.length, 22);
      }
      const desc = await store.search(q({ limit: 2, sortby: [{ field: 'datetime', direction: 'desc' }] }));
      assert.deepEqual(ids(desc.items), ['range', 'a19']);
    });

    void it('applies CQL2 filters', async () => {
      const f = async (filter: unknown) => ids((await store.search(q({ filter }))).items).sort();
      assert.deepEqual(await f({ op: '<', args: [{ property: 'eo:cloud_cover' }, 1] }), [
        'a00',
        'a05',
        'a10',
        'a15',
      ]);
      assert.deepEqual(await f({ op: 'like', args: [{ property: 'id' }, 'a1%'] }).then((x) => x.length), 10);
      assert.deepEqual(await f({ op: 'a_contains', args: [{ property: 'tags' }, ['t2']] }), [
        'a02',
        'a05',
        'a08',
        'a11',
        'a14',
        'a17',
      ]);
      assert.deepEqual(
        await f({ op: 't_before', args: [{ property: 'datetime' }, { timestamp: '2020-01-02T00:00:00Z' }] }),
        ['a00', 'nogeom'],
      );
      assert.deepEqual(
        await f({
          op: 's_intersects',
          args: [{ property: 'geometry' }, { type: 'Point', coordinates: [3.5, 0.5] }],
        }),
        ['a03'],
      );
    });

    void it('applies the full CQL2 spatial functions with DE-9IM semantics', async () => {
      // a00..a19 are unit squares side by side along y = 0..1, a03 spans x = 3..4.
      const f = async (op: string, a: unknown, b: unknown, extra = {}) =>
        ids((await store.search(q({ filter: { op, args: [a, b] }, ...extra }))).items).sort();
      const g = { property: 'geometry' };
      const a03 = item('x', { x: 3 }).geometry;
      assert.deepEqual(await f('s_touches', g, a03), ['a02', 'a04']); // a03 itself is equal, not touching
      assert.deepEqual(await f('s_equals', g, a03), ['a03']);
      assert.deepEqual(await f('s_overlaps', g, item('x', { x: 3.5 }).geometry), ['a03', 'a04']);
      const across = {
        type: 'LineString',
        coordinates: [
          [3.5, -1],
          [3.5, 2],
        ],
      };
      assert.deepEqual(await f('s_crosses', g, across), ['a03']);
      // On the edge between a03 and a04: it touches both and crosses neither.
      const edge = {
        type: 'LineString',
        coordinates: [
          [4, 0.2],
          [4, 0.8],
        ],
      };
      assert.deepEqual(await f('s_touches', g, edge), ['a03', 'a04']);
      assert.deepEqual(await f('s_crosses', g, edge), []);
      assert.deepEqual(await f('s_within', { type: 'Point', coordinates: [5.5, 0.5] }, g), ['a05']);
      assert.deepEqual(await f('s_contains', g, { type: 'Point', coordinates: [6, 0.5] }), []); // on a boundary
      // Under NOT, items without geometry stay unknown (excluded), as in every other CQL2 comparison.
      const notTouching = await f('s_touches', g, a03, { collections: ['c1'], limit: 100 });
      const all = await store.search(
        q({ filter: { op: 'not', args: [{ op: 's_touches', args: [g, a03] }] } }),
      );
      assert.equal(all.items.length, 22 - 1 - notTouching.length);
      assert.ok(!ids(all.items).includes('nogeom'));
    });

    void it('counts matches exactly up to the count limit, and estimates beyond', async () => {
      const r = await store.search(q({ countLimit: 5, limit: 1 }));
      assert.equal(r.numberMatched, 22); // every sampled item matches: the estimate is the total
      assert.equal(r.numberMatchedExact, false);
      const filter = { op: '<', args: [{ property: 'eo:cloud_cover' }, 1] };
      const est = await store.search(q({ countLimit: 11, limit: 1, filter }));
      assert.equal(est.numberMatchedExact, false);
      assert.ok(est.numberMatched! >= 1 && est.numberMatched! <= 22, String(est.numberMatched));
      const exact = await store.search(q({ limit: 1, filter }));
      assert.deepEqual([exact.numberMatched, exact.numberMatchedExact], [4, true]);
      assert.equal((await store.search(q({ limit: 1, after: r.next! }))).numberMatched, null);
      const r2 = await store.search(q({ limit: 1 }));
      assert.equal(r2.numberMatched, 22);
      assert.equal(r2.numberMatchedExact, true);
    });

    void it('knows item stats, properties and summaries', async () => {
      const s = await store.itemStats('c1');
      assert.equal(s.count, 22);
      assert.deepEqual(s.bbox, [0, 0, 171, 11]);
      assert.equal(s.start, '2019-06-01T00:00:00.000Z');
      assert.equal(s.end, '2021-12-31T00:00:00.000Z');
      const props = await store.seenProperties(['c1']);
      assert.ok(props.some((p) => p.name === 'eo:cloud_cover' && p.type === 'number'));
      const sum = await store.summarize('c1');
      assert.deepEqual(sum['eo:cloud_cover'], { minimum: 0, maximum: 4 });
      assert.deepEqual(sum['platform'], ['even', 'odd']);
    });

    void it('writes rows of several collections as one batch: all or nothing; upsert replaces', async () => {
      const group = (c: string, its: StacItem[]) =>
        itemRowGroup(
          c,
          its.map((i) => ({ ...i, collection: c })),
        );
      const orig = (await store.getItem('c1', 'a01'))!.item;
      const m1 = item('m1', { x: 60, y: 20 });
      m1.geometry = {
        type: 'Polygon',
        coordinates: [
          [
            [60, 20, 5],
            [61, 20, 5],
            [61, 21, 7],
            [60, 20, 5],
          ],
        ],
      };
      const m2 = item('m2', { x: 62, y: 20 });
      m2.geometry = {
        type: 'GeometryCollection',
        geometries: [
          { type: 'Point', coordinates: [62.5, 20.5] },
          {
            type: 'MultiPolygon',
            coordinates: [
              [
                [
                  [63, 20],
                  [64, 20],
                  [64, 21],
                  [63, 20],
                ],
              ],
            ],
          },
        ],
      };
      const batch = [group('c2', [m1, m2]), group('c1', [item('a01', { x: 80, y: 40 })])];
      // The conflict names the item that exists (the postgres driver reads it from the COPY's error).
      await assert.rejects(store.putItemRows(batch, { mode: 'create' }), {
        status: 409,
        message: 'item "a01" already exists',
      });
      assert.equal(await store.getItem('c2', 'm1'), null);
      await store.putItemRows(batch, { mode: 'upsert' });
      const found = await store.search(q({ collections: ['c1', 'c2'], bboxes: [[60.4, 19, 63.6, 20.3]] }));
      assert.deepEqual(ids(found.items).sort(), ['m1', 'm2']);
      const moved = await store.search(q({ bboxes: [[79.5, 39.5, 80.5, 40.5]] }));
      assert.deepEqual(ids(moved.items), ['a01']);
      assert.deepEqual(ids((await store.search(q({ bboxes: [[1.2, 0.2, 1.8, 0.8]] }))).items), []);
      await store.putItems('c1', [orig], { mode: 'replace' });
      assert.equal(await store.deleteItem('c2', 'm1'), true);
      assert.equal(await store.deleteItem('c2', 'm2'), true);
      assert.deepEqual(ids((await store.search(q({ bboxes: [[1.2, 0.2, 1.8, 0.8]] }))).items), ['a01']);
    });

    void it('replaces and deletes items and collections', async () => {
      const it0 = await store.getItem('c1', 'a00');
      const changed = { ...it0!.item, properties: { ...it0!.item.properties, 'eo:cloud_cover': 99 } };
      await assert.rejects(store.putItems('c1', [changed], { mode: 'replace', ifMatch: 'x' }), {
        status: 412,
      });
      const [w] = await store.putItems('c1', [changed], { mode: 'replace', ifMatch: it0!.etag });
      assert.notEqual(w!.etag, it0!.etag);
      assert.equal(await store.deleteItem('c1', 'a00'), true);
      assert.equal(await store.deleteItem('c1', 'a00'), false);
      assert.equal(await store.deleteCollection('c2'), true);
      assert.equal(await store.getItem('c2', 'b1'), null);
      const r = await store.search(q({ collections: ['c2'] }));
      assert.equal(r.numberMatched, 0);
    });
  });
}
