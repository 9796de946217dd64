/**
 * Space and time searched together, for every driver: both drivers answer bbox + datetime from one index
 * of (box, time span), and choose their plan by the size of the box (a small one from that index, a large
 * one by walking the sort order). Each plan, with closed and open intervals, instants on the interval's
 * ends to the millisecond and items with start/end ranges, must give exactly what brute force over the
 * items gives, in order and across pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SearchQuery, StacItem, TimeRange } from './model.ts';
import type { CatalogStore } from './store.ts';
import { collection, item } from './testing.fixtures.ts';
import { itemTimeRange } from './time.ts';

const PUBLIC = { owner: 'alice', visibility: 'public' as const, groups: [] };
const DAY = 86400e3;
const T0 = Date.UTC(2020, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** 240 squares over 60 x 40 degrees and about a year, a few of them with start/end ranges. */
function items(): StacItem[] {
  const out: StacItem[] = [];
  for (let k = 0; k < 240; k++) {
    const x = (k * 7) % 60;
    const y = (k * 13) % 40;
    const t = T0 + ((k * 37) % 365) * DAY + k; // k ms: instants differ below the second
    const range = k % 10 === 3;
    out.push(
      item(`st${String(k).padStart(3, '0')}`, {
        x,
        y,
        size: 1 + (k % 3),
        datetime: range ? null : iso(t),
        props: range ? { start_datetime: iso(t), end_datetime: iso(t + (k % 4) * 30 * DAY) } : {},
      }),
    );
  }
  // On the ends of the interval searched below, to the millisecond.
  const [qs, qe] = [Date.UTC(2020, 5, 1), Date.UTC(2020, 8, 30, 23, 59, 59, 999)];
  out.push(item('edge-start', { x: 10, y: 10, datetime: iso(qs) }));
  out.push(item('edge-before', { x: 10, y: 10, datetime: iso(qs - 1) }));
  out.push(item('edge-end', { x: 11, y: 11, datetime: iso(qe) }));
  out.push(item('edge-after', { x: 11, y: 11, datetime: iso(qe + 1) }));
  out.push(
    item('edge-range', {
      x: 12,
      y: 12,
      datetime: null,
      props: { start_datetime: iso(qs - 90 * DAY), end_datetime: iso(qs) },
    }),
  );
  return out;
}

const INTERVALS: TimeRange[] = [
  { start: '2020-06-01T00:00:00.000Z', end: '2020-09-30T23:59:59.999Z' },
  { start: null, end: '2020-03-15T00:00:00.000Z' },
  { start: '2020-11-01T00:00:00.000Z', end: null },
];
const BOXES: Array<{ name: string; box: [number, number, number, number] }> = [
  { name: 'a small box (space-time index)', box: [5.5, 5.5, 30.5, 30.5] },
  { name: 'a large box (sort order walked)', box: [-0.5, -0.5, 61.5, 45.5] },
];

const overlaps = (a: [number, number, number, number], b: [number, number, number, number]) =>
  a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];

/** What the search must return: items meeting the box and the interval, by datetime desc, id desc. */
function bruteForce(all: StacItem[], box: [number, number, number, number], t: TimeRange): string[] {
  return all
    .filter((it) => {
      const r = itemTimeRange(it.properties);
      if (!r.start || !r.end) return false;
      if (t.start && r.end < t.start) return false;
      if (t.end && r.start > t.end) return false;
      return overlaps(it.bbox as [number, number, number, number], box);
    })
    .map((it) => ({ id: it.id, t: itemTimeRange(it.properties).start! }))
    .sort((a, b) => (a.t === b.t ? (a.id < b.id ? 1 : -1) : a.t < b.t ? 1 : -1))
    .map((x) => x.id);
}

export function spaceTimeContract(
  name: string,
  make: () => Promise<{ store: CatalogStore; close: () => Promise<void> }>,
) {
  void describe(`CatalogStore space and time: ${name}`, () => {
    let store: CatalogStore;
    let close: () => Promise<void>;
    const all = items();
    before(async () => {
      ({ store, close } = await make());
      await store.putCollection(collection('st'), PUBLIC, { mode: 'create' });
      await store.putItems('st', all, { mode: 'create' });
    });
    after(async () => {
      await close();
    });

    const search = async (over: Partial<SearchQuery>, limit: number) => {
      const base: SearchQuery = {
        collections: ['st'],
        sortby: [{ field: 'datetime', direction: 'desc' }],
        limit,
        countLimit: 1000,
        ...over,
      };
      const got: string[] = [];
      let page = await store.search(base);
      const matched = page.numberMatched;
      got.push(...page.items.map((i) => i.id));
      while (page.next) {
        page = await store.search({ ...base, after: page.next });
        got.push(...page.items.map((i) => i.id));
      }
      return { got, matched };
    };

    for (const { name: boxName, box } of BOXES) {
      void it(`finds bbox + datetime in ${boxName} as brute force does, page by page`, async () => {
        for (const t of INTERVALS) {
          const want = bruteForce(all, box, t);
          assert.ok(want.length > 3, `the fixture gives ${JSON.stringify(t)} matches`);
          const { got, matched } = await search({ bboxes: [box], datetime: t }, 4);
          assert.deepEqual(got, want, JSON.stringify(t));
          assert.equal(matched, want.length);
        }
      });
    }

    void it('keeps the millisecond ends of an interval (R*Tree times are rounded outwards)', async () => {
      const { got } = await search({ bboxes: [BOXES[0]!.box], datetime: INTERVALS[0] }, 100);
      assert.ok(got.includes('edge-start') && got.includes('edge-end') && got.includes('edge-range'));
      assert.ok(!got.includes('edge-before') && !got.includes('edge-after'));
    });

    void it('finds point intersects + datetime as brute force does', async () => {
      const t = { start: '2020-01-01T00:00:00.000Z', end: '2020-12-31T23:59:59.999Z' };
      const point = { type: 'Point' as const, coordinates: [10.5, 10.5] };
      const want = bruteForce(all, [10.5, 10.5, 10.5, 10.5], t);
      assert.ok(want.length >= 3);
      const { got } = await search({ intersects: point, datetime: t }, 2);
      assert.deepEqual(got, want);
    });

    void it('counts items as they come and go (numberMatched beyond the count limit)', async () => {
      const est = async () => (await store.search({ ...q(), countLimit: 5, limit: 1 })).numberMatched;
      const q = (): SearchQuery => ({ collections: ['st'], sortby: [], limit: 1, countLimit: 5 });
      assert.equal(await est(), all.length); // every sampled item matches: the estimate is the total
      assert.equal(await store.deleteItem('st', 'st000'), true);
      assert.equal(await est(), all.length - 1);
      await store.putItems('st', [all[0]!], { mode: 'create' });
      await store.putItems('st', [all[1]!], { mode: 'upsert' });
      assert.equal(await est(), all.length);
    });
  });
}
