/**
 * The real Planetary Computer NAIP items, loaded through the API and searched; every answer is compared with
 * one computed here by brute force over the ndjson (polygon clipping, plain comparisons), independently of
 * the catalog's own geometry and SQL code. Run once per catalog driver (naip.test.ts: sqlite;
 * postgres/naip.postgres.test.ts: postgres).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ConfigKey } from '../../core/config/keys.ts';
import { startTestHub, TESTDATA, type TestHub } from '../../testing/hub.ts';

const S = '/api/stac/v1';
interface Naip {
  id: string;
  geometry: { coordinates: number[][][] };
  properties: Record<string, unknown> & { datetime: string; gsd: number };
}
const items = readFileSync(`${TESTDATA}/stac/naip-items.ndjson`, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Naip);

/** Sutherland-Hodgman: the part of `ring` inside the box; empty when they do not meet. */
function clip(ring: number[][], [x0, y0, x1, y1]: number[]): number[][] {
  let out = ring.slice(0, -1);
  const edges: Array<[(p: number[]) => boolean, (a: number[], b: number[]) => number[]]> = [
    [(p) => p[0]! >= x0!, (a, b) => [x0!, a[1]! + ((b[1]! - a[1]!) * (x0! - a[0]!)) / (b[0]! - a[0]!)]],
    [(p) => p[0]! <= x1!, (a, b) => [x1!, a[1]! + ((b[1]! - a[1]!) * (x1! - a[0]!)) / (b[0]! - a[0]!)]],
    [(p) => p[1]! >= y0!, (a, b) => [a[0]! + ((b[0]! - a[0]!) * (y0! - a[1]!)) / (b[1]! - a[1]!), y0!]],
    [(p) => p[1]! <= y1!, (a, b) => [a[0]! + ((b[0]! - a[0]!) * (y1! - a[1]!)) / (b[1]! - a[1]!), y1!]],
  ];
  for (const [inside, cut] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i]!;
      const prev = input[(i + input.length - 1) % input.length]!;
      if (inside(cur)) {
        if (!inside(prev)) out.push(cut(prev, cur));
        out.push(cur);
      } else if (inside(prev)) out.push(cut(prev, cur));
    }
    if (!out.length) break;
  }
  return out;
}

function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

async function searchAll(
  hub: TestHub,
  body: Record<string, unknown>,
): Promise<Array<{ id: string; properties: Record<string, unknown> }>> {
  const out: Array<{ id: string; properties: Record<string, unknown> }> = [];
  let next: Record<string, unknown> | null = { ...body };
  while (next) {
    const r = await hub.api(`${S}/search`, { method: 'POST', body: JSON.stringify(next) });
    assert.equal(r.status, 200);
    const page = (await r.json()) as {
      features: Array<{ id: string; properties: Record<string, unknown> }>;
      links: Array<{ rel: string; body?: Record<string, unknown> }>;
    };
    out.push(...page.features);
    next = page.links.find((l) => l.rel === 'next')?.body ?? null;
  }
  return out;
}

/**
 * Runs the NAIP brute-force checks against a TerraHub started with `setup().overrides` (the catalog driver
 * settings), calling `setup().cleanup` after. Each driver's test file calls this once.
 */
export function naipBruteForceSuite(
  driver: string,
  setup: { overrides: Partial<Record<ConfigKey, unknown>>; cleanup: () => Promise<void> },
): void {
  void describe(`NAIP searches against brute force: ${driver}`, () => {
    let hub: TestHub;

    const sorted = (a: string[]) => [...a].sort();

    before(async () => {
      hub = await startTestHub(setup.overrides);
      const col = readFileSync(`${TESTDATA}/stac/naip-collection.json`, 'utf8');
      assert.equal((await hub.api(`${S}/collections`, { method: 'POST', body: col })).status, 201);
      const r = await hub.api(`${S}/collections/naip/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: readFileSync(`${TESTDATA}/stac/naip-items.ndjson`),
      });
      assert.deepEqual(await r.json(), { committed: 1000, batches: 1 });
    });
    after(async () => {
      await hub.close();
      await setup.cleanup();
    });

    void it('answers bbox searches exactly as brute force does', async () => {
      const xs = items.flatMap((i) => i.geometry.coordinates[0]!.map((p) => p[0]!));
      const ys = items.flatMap((i) => i.geometry.coordinates[0]!.map((p) => p[1]!));
      const [minx, maxx, miny, maxy] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const rand = rng(42);
      let found = 0;
      for (let n = 0; n < 12; n++) {
        const w = (maxx - minx) * (0.02 + rand() * 0.2);
        const h = (maxy - miny) * (0.02 + rand() * 0.2);
        const x = minx + rand() * (maxx - minx - w);
        const y = miny + rand() * (maxy - miny - h);
        const box = [x, y, x + w, y + h];
        const want = items.filter((i) => clip(i.geometry.coordinates[0]!, box).length > 0).map((i) => i.id);
        const got = (await searchAll(hub, { bbox: box, limit: 100 })).map((f) => f.id);
        assert.deepEqual(sorted(got), sorted(want), `bbox ${box.join(',')}`);
        found += want.length;
      }
      assert.ok(found > 20, `the boxes should hit items (${found})`);
    });

    void it('answers datetime, filter and query searches exactly as brute force does', async () => {
      const t = (s: string) => Date.parse(s);
      const [a, b] = ['2021-01-01T00:00:00Z', '2021-12-31T23:59:59Z'];
      const want = items.filter((i) => t(i.properties.datetime) >= t(a) && t(i.properties.datetime) <= t(b));
      assert.deepEqual(
        sorted((await searchAll(hub, { datetime: `${a}/${b}`, limit: 1000 })).map((f) => f.id)),
        sorted(want.map((i) => i.id)),
      );
      const open = items.filter((i) => t(i.properties.datetime) >= t('2022-06-01T00:00:00Z'));
      assert.deepEqual(
        sorted((await searchAll(hub, { datetime: '2022-06-01T00:00:00Z/..', limit: 1000 })).map((f) => f.id)),
        sorted(open.map((i) => i.id)),
      );
      const f = items.filter((i) => i.properties.gsd < 0.5 && i.properties['naip:state'] === 'al');
      const got = await searchAll(hub, { filter: 'gsd < 0.5 AND "naip:state" = \'al\'', limit: 333 });
      assert.deepEqual(sorted(got.map((x) => x.id)), sorted(f.map((i) => i.id)));
      const years = new Set(['2011', '2013']);
      const q = items.filter((i) => years.has(i.properties['naip:year'] as string));
      const gq = await searchAll(hub, { query: { 'naip:year': { in: [...years] } }, limit: 250 });
      assert.deepEqual(sorted(gq.map((x) => x.id)), sorted(q.map((i) => i.id)));
    });

    void it('pages a sorted search in order with no item twice or missing', async () => {
      const want = [...items]
        .sort(
          (x, y) =>
            x.properties.gsd - y.properties.gsd ||
            (y.properties.datetime < x.properties.datetime
              ? -1
              : y.properties.datetime > x.properties.datetime
                ? 1
                : 0) ||
            (x.id < y.id ? -1 : 1),
        )
        .map((i) => i.id);
      const got = await searchAll(hub, {
        sortby: [
          { field: 'properties.gsd', direction: 'asc' },
          { field: 'properties.datetime', direction: 'desc' },
        ],
        limit: 37,
      });
      assert.deepEqual(
        got.map((f) => f.id),
        want,
      );
    });
  });
}
