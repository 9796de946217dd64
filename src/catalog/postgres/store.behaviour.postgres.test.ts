/**
 * What the postgres driver does beyond the shared contract: a partition per collection (dropped with it),
 * migrations that two TerraHubs may run at once, paging that stays exact while items are being written,
 * and database errors turned into the client's 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { PageCursor, SearchQuery, StacItem } from '../model.ts';
import { collection, item } from '../testing.fixtures.ts';
import { POSTGRES_MIGRATIONS } from './migrations.postgres.ts';
import { PostgresCatalogStore } from './store.postgres.ts';
import { freshSchema, postgresTestUrl, SKIP_REASON } from './testing.postgres.ts';

const PUBLIC = { owner: null, visibility: 'public' as const, groups: [] };
const day = (n: number) => new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString();

const url = postgresTestUrl();
if (!url) {
  void it('postgres driver behaviour', { skip: SKIP_REASON }, () => undefined);
} else {
  void describe('postgres driver behaviour', () => {
    const { schema, drop } = freshSchema(url);
    let stores: PostgresCatalogStore[];
    let admin: pg.Client;
    const partitions = async () =>
      (
        await admin.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
           JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
           WHERE p.relname = 'catalog_items' AND n.nspname = $1 ORDER BY 1`,
          [schema],
        )
      ).rows.map((r) => r.name);

    before(async () => {
      // Two stores migrate the same new schema at once (two TerraHubs starting together).
      stores = await Promise.all([1, 2].map(() => PostgresCatalogStore.open({ url, schema, poolSize: 3 })));
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
    });
    after(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await admin.end();
      await drop();
    });

    void it('migrates once, whoever opens first', async () => {
      const r = await admin.query(`SELECT version FROM ${schema}.catalog_migrations ORDER BY 1`);
      assert.deepEqual(
        r.rows.map((x: { version: number }) => x.version),
        POSTGRES_MIGRATIONS.map((_, i) => i + 1),
      );
    });

    void it('keeps each collection in its own partition and drops it with the collection', async () => {
      const [a, b] = stores as [PostgresCatalogStore, PostgresCatalogStore];
      await a.putCollection(collection("it's-odd/ID"), PUBLIC, { mode: 'create' });
      await a.putItems("it's-odd/ID", [item('x1'), item('x2', { x: 5 })], { mode: 'create' });
      const parts = await partitions();
      assert.equal(parts.length, 1);
      assert.match(parts[0]!, /^catalog_items_it_s_odd_id_[0-9a-f]{10}$/);
      // Documents are compressed with lz4 in the partitions too (where the server has lz4, as Debian's has).
      const lz4 = await admin.query(
        `SELECT 'lz4' = ANY(enumvals) AS has FROM pg_settings WHERE name = 'default_toast_compression'`,
      );
      if (lz4.rows[0]?.has) {
        const c = await admin.query(
          `SELECT attcompression FROM pg_attribute WHERE attrelid = '${schema}.${parts[0]!}'::regclass AND attname = 'content'`,
        );
        assert.equal(c.rows[0]?.attcompression, 'l');
      }
      // the other store (another TerraHub) sees the items
      assert.equal((await b.getItem("it's-odd/ID", 'x2'))?.item.id, 'x2');
      assert.equal(await b.deleteCollection("it's-odd/ID"), true);
      assert.deepEqual(await partitions(), []);
      assert.equal(await a.getItem("it's-odd/ID", 'x1'), null);
    });

    void it('pages exactly while items are written between pages', async () => {
      const s = stores[0]!;
      await s.putCollection(collection('live'), PUBLIC, { mode: 'create' });
      await s.putItems(
        'live',
        Array.from({ length: 30 }, (_, i) => item(`i${i}`, { datetime: day(2 * i) })),
        { mode: 'create' },
      );
      const q: SearchQuery = {
        collections: ['live'],
        sortby: [{ field: 'datetime', direction: 'desc' }],
        limit: 7,
        countLimit: 1000,
      };
      const seen: StacItem[] = [];
      let after: PageCursor | undefined;
      for (let page = 0; page < 20; page++) {
        const r = await s.search({ ...q, after });
        seen.push(...r.items);
        if (!r.next) break;
        after = r.next;
        // One item ahead of the cursor (still to come) and one behind it (already passed) per page.
        const cursorDay = Date.parse(r.items.at(-1)!.properties.datetime!) / 86_400_000;
        const n = Math.round(cursorDay - Date.UTC(2020, 0, 1) / 86_400_000);
        await s.putItems(
          'live',
          [item(`ahead${page}`, { datetime: day(n - 1) }), item(`behind${page}`, { datetime: day(n + 1) })],
          { mode: 'create' },
        );
      }
      const ids = seen.map((i) => i.id);
      assert.equal(new Set(ids).size, ids.length, 'no item twice');
      for (let i = 0; i < 30; i++) assert.ok(ids.includes(`i${i}`), `i${i} not skipped`);
      assert.ok(ids.some((id) => id.startsWith('ahead')));
      assert.ok(!ids.some((id) => id.startsWith('behind')));
      const times = seen.map((i) => i.properties.datetime!);
      assert.deepEqual(times, [...times].sort().reverse(), 'in sort order');
    });

    void it('upserts a batch that names an item twice (the last wins)', async () => {
      const s = stores[1]!;
      const first = item('dup', { props: { v: 1 } });
      const second = item('dup', { props: { v: 2 } });
      await s.putItems('live', [first, second], { mode: 'upsert' });
      assert.equal((await s.getItem('live', 'dup'))?.item.properties['v'], 2);
      await assert.rejects(s.putItems('live', [item('dup2'), item('dup2')], { mode: 'create' }), {
        status: 409,
      });
      assert.equal(await s.getItem('live', 'dup2'), null);
    });

    void it('answers filters it cannot evaluate with a 400, not a 500', async () => {
      const search = (filter: unknown) =>
        stores[0]!.search({ collections: ['live'], sortby: [], limit: 10, countLimit: 10, filter });
      const g = { property: 'geometry' };
      await assert.rejects(
        search({
          op: 's_intersects',
          args: [
            g,
            {
              type: 'Polygon',
              coordinates: [
                [
                  [0, 0],
                  [1, 1],
                ],
              ],
            },
          ],
        }),
        {
          status: 400,
        },
      );
      const bowtie = {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      };
      await assert.rejects(search({ op: 's_touches', args: [g, bowtie] }), {
        status: 400,
        message: /not a valid geometry: Self-intersection/,
      });
      // A stored footprint that crosses itself matches no DE-9IM predicate, but still intersects.
      await stores[0]!.putItems('live', [{ ...item('bowtie'), geometry: bowtie }], { mode: 'create' });
      const square = item('q', { x: 0.2, y: 0.2, size: 0.6 }).geometry;
      const found = async (op: string) => (await search({ op, args: [g, square] })).items.map((i) => i.id);
      assert.ok((await found('s_intersects')).includes('bowtie'));
      assert.ok(!(await found('s_overlaps')).includes('bowtie')); // PostGIS alone would say it overlaps
      await stores[0]!.deleteItem('live', 'bowtie');
      // s_intersects is defined for any shape (as in the sqlite driver): no validity check, an answer.
      assert.equal((await search({ op: 's_intersects', args: [g, bowtie] })).items.length, 10); // the unit squares at 0,0
      // An error raised by PostgreSQL itself while evaluating (a float overflow) is the client's 400 too.
      await assert.rejects(search({ op: '>', args: [{ op: '^', args: [10, 400] }, 1] }), {
        status: 400,
        message: /could not run this search/,
      });
    });
  });
}
