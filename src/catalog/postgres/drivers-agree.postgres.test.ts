/**
 * The two drivers give the same answers: the real NAIP items loaded into a sqlite and a postgres store, and
 * a battery of CQL2 filters and sorted, paged searches run on both, item ids compared in order. The sqlite
 * driver evaluates predicates in TypeScript, the postgres driver in SQL and PostGIS, so an agreement is a
 * check of each by the other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Db } from '../../core/db.ts';
import { TESTDATA } from '../../testing/hub.ts';
import type { SearchQuery, SortKey, StacItem } from '../model.ts';
import { SqliteCatalogStore } from '../sqlite/store.sqlite.ts';
import type { CatalogStore } from '../store.ts';
import { collection } from '../testing.fixtures.ts';
import { PostgresCatalogStore } from './store.postgres.ts';
import { freshSchema, postgresTestUrl, SKIP_REASON } from './testing.postgres.ts';

const items = readFileSync(`${TESTDATA}/stac/naip-items.ndjson`, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as StacItem);
// A few variations the real items lack: nulls, accents, mixed types, missing properties.
items[0]!.properties['title'] = 'Città vecchia';
items[1]!.properties['gsd'] = null;
items[2]!.properties['naip:state'] = 'AL';
items[3]!.properties['naip:year'] = 2019;
delete items[4]!.properties['naip:state'];

const P = (name: string) => ({ property: name });
const box = {
  type: 'Polygon',
  coordinates: [
    [
      [-86, 30.9],
      [-85.8, 30.9],
      [-85.8, 31.1],
      [-86, 31.1],
      [-86, 30.9],
    ],
  ],
};
const FILTERS: unknown[] = [
  { op: '<', args: [P('gsd'), 0.6] },
  { op: '>=', args: [P('gsd'), '0.6'] },
  { op: '=', args: [P('naip:year'), '2019'] },
  { op: '<>', args: [P('naip:state'), 'al'] },
  { op: 'like', args: [P('id'), 'al_m_30085%'] },
  { op: 'like', args: [P('id'), '%\\_ne\\_16%'] },
  {
    op: '=',
    args: [
      { op: 'casei', args: [P('naip:state')] },
      { op: 'casei', args: ['Al'] },
    ],
  },
  { op: 'like', args: [{ op: 'accenti', args: [P('title')] }, 'Citta%'] },
  { op: 'in', args: [P('naip:year'), ['2011', '2013', '2021']] },
  { op: 'between', args: [P('proj:epsg'), 26915, 26916] },
  { op: 'isNull', args: [P('gsd')] },
  { op: 'not', args: [{ op: 'isNull', args: [P('naip:state')] }] },
  { op: '<', args: [{ op: '*', args: [P('gsd'), 2] }, 1.2] },
  { op: '=', args: [{ op: '%', args: [P('proj:epsg'), 2] }, 0] },
  { op: 'a_contains', args: [P('proj:shape'), [7560]] },
  { op: 'a_overlaps', args: [P('proj:transform'), [0.6, 1]] },
  { op: 's_intersects', args: [P('geometry'), box] },
  { op: 's_within', args: [P('geometry'), box] },
  { op: 's_disjoint', args: [P('geometry'), { bbox: [-90, 25, -85.9, 35] }] },
  { op: 't_after', args: [P('datetime'), { timestamp: '2021-06-01T00:00:00Z' }] },
  { op: 't_during', args: [P('datetime'), { interval: ['2011-01-01', '2015-12-31'] }] },
  {
    op: 'or',
    args: [
      {
        op: 'and',
        args: [
          { op: '=', args: [P('naip:state'), 'al'] },
          { op: '<', args: [P('gsd'), 1] },
        ],
      },
      { op: 'in', args: [P('id'), ['al_m_3008501_ne_16_030_20211103']] },
    ],
  },
];
const SORTS: SortKey[][] = [
  [],
  [{ field: 'datetime', direction: 'desc' }],
  [
    { field: 'gsd', direction: 'asc' },
    { field: 'datetime', direction: 'desc' },
  ],
  [{ field: 'naip:state', direction: 'desc' }],
  [
    { field: 'properties.proj:epsg', direction: 'asc' },
    { field: 'id', direction: 'desc' },
  ],
];

const url = postgresTestUrl();
if (!url) {
  void it('the sqlite and postgres drivers agree', { skip: SKIP_REASON }, () => undefined);
} else {
  void describe('the sqlite and postgres drivers agree on the NAIP items', () => {
    const { schema, drop } = freshSchema(url);
    let db: Db;
    let stores: CatalogStore[];
    before(async () => {
      db = openDatabase(':memory:');
      stores = [new SqliteCatalogStore(db), await PostgresCatalogStore.open({ url, schema, poolSize: 2 })];
      for (const s of stores) {
        await s.putCollection(
          collection('naip'),
          { owner: null, visibility: 'public', groups: [] },
          { mode: 'create' },
        );
        await s.putItems('naip', items, { mode: 'create' });
      }
    });
    after(async () => {
      await stores[1]?.close();
      db.close();
      await drop();
    });

    /** Every page of a search, ids in order. */
    async function all(s: CatalogStore, q: Partial<SearchQuery>, limit: number): Promise<string[]> {
      const out: string[] = [];
      let next: SearchQuery['after'] = undefined;
      for (let n = 0; n < 1000; n++) {
        const r = await s.search({
          collections: ['naip'],
          sortby: [],
          countLimit: 10_000,
          ...q,
          limit,
          after: next,
        });
        out.push(...r.items.map((i) => i.id));
        if (!r.next) return out;
        next = r.next;
      }
      throw new Error('too many pages');
    }

    void it('on CQL2 filters', async () => {
      for (const filter of FILTERS) {
        const [a, b] = await Promise.all(stores.map((s) => all(s, { filter }, 1000)));
        assert.deepEqual(b, a, JSON.stringify(filter));
        const count = await Promise.all(
          stores.map(
            async (s) =>
              (await s.search({ collections: ['naip'], sortby: [], countLimit: 10_000, filter, limit: 5 }))
                .numberMatched,
          ),
        );
        assert.equal(count[1], count[0], `numberMatched of ${JSON.stringify(filter)}`);
      }
      // not vacuous: the filters select different, non-trivial sets
      const sizes = await Promise.all(
        FILTERS.map(async (filter) => (await all(stores[0]!, { filter }, 1000)).length),
      );
      assert.ok(sizes.filter((n) => n > 0 && n < items.length).length >= FILTERS.length - 3, String(sizes));
    });

    void it('on sorted searches paged in small pages', async () => {
      for (const sortby of SORTS) {
        const [a, b] = await Promise.all(
          stores.map((s) => all(s, { sortby, bboxes: [[-87, 30, -85, 32]] }, 37)),
        );
        assert.ok(a!.length > 100, `${a!.length} items`);
        assert.deepEqual(b, a, JSON.stringify(sortby));
      }
    });

    void it('on summaries, stats and properties', async () => {
      const [a, b] = await Promise.all(stores.map((s) => s.summarize('naip')));
      assert.deepEqual(b, a);
      const [sa, sb] = await Promise.all(stores.map((s) => s.itemStats('naip')));
      // sqlite reads the box from its R*Tree, which keeps 32-bit floats rounded outward: postgres's exact box
      // lies inside it, within float32 precision.
      assert.deepEqual({ ...sb, bbox: null }, { ...sa, bbox: null });
      sb!.bbox!.forEach((v, i) => {
        assert.ok(Math.abs(v - sa!.bbox![i]!) < 1e-4, `bbox ${JSON.stringify([sb, sa])}`);
        assert.ok(
          i < 2 ? v >= sa!.bbox![i]! : v <= sa!.bbox![i]!,
          `bbox inside: ${JSON.stringify([sb, sa])}`,
        );
      });
      const [pa, pb] = await Promise.all(stores.map((s) => s.seenProperties(['naip'])));
      assert.deepEqual(pb, pa);
    });
  });
}
