import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { collection, item } from '../testing.fixtures.ts';

const S = '/api/stac/v1';
let hub: TestHub;
interface Feature {
  id: string;
  properties: { 'eo:cloud_cover': number } & Record<string, number>;
  assets?: unknown;
}
const json = (body: unknown) => ({ body: JSON.stringify(body) });

before(async () => {
  hub = await startTestHub();
  const r = await hub.api(`${S}/collections`, { method: 'POST', ...json(collection('t1')) });
  assert.equal(r.status, 201);
  const items = Array.from({ length: 25 }, (_, i) =>
    item(`i${String(i).padStart(2, '0')}`, {
      x: i * 2 - 20,
      y: i - 10,
      datetime: `2021-02-${String(i + 1).padStart(2, '0')}T10:00:00Z`,
      props: { 'eo:cloud_cover': (i * 7) % 100, title: i === 3 ? 'Lake Tahoe' : `scene ${i}` },
    }),
  );
  const b = await hub.api(`${S}/collections/t1/items`, {
    method: 'POST',
    ...json({ type: 'FeatureCollection', features: items }),
  });
  assert.equal(b.status, 201, await b.text());
});
after(async () => {
  await hub.close();
});

describe('STAC API core', () => {
  it('serves a landing page with conformance and the required links', async () => {
    const r = await hub.api(`${S}/`, { token: null });
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      conformsTo: string[];
      links: Array<{ rel: string; href: string; method?: string }>;
    };
    assert.ok(body.conformsTo.includes('https://api.stacspec.org/v1.0.0/core'));
    for (const rel of [
      'root',
      'self',
      'service-desc',
      'service-doc',
      'conformance',
      'data',
      'search',
      'http://www.opengis.net/def/rel/ogc/1.0/queryables',
    ])
      assert.ok(
        body.links.some((l) => l.rel === rel),
        rel,
      );
    const desc = body.links.find((l) => l.rel === 'service-desc')!;
    const api = (await (await fetch(desc.href)).json()) as { paths: Record<string, unknown> };
    assert.ok(api.paths[`${S}/search`]);
    const conf = (await (await hub.api(`${S}/conformance`)).json()) as { conformsTo: string[] };
    assert.deepEqual(conf.conformsTo, body.conformsTo);
    const doc = await fetch(body.links.find((l) => l.rel === 'service-doc')!.href);
    assert.match(await doc.text(), /TerraHub STAC API/);
  });

  it('lists and returns collections and items with links and ETags', async () => {
    const list = (await (await hub.api(`${S}/collections`)).json()) as { collections: Array<{ id: string }> };
    assert.deepEqual(
      list.collections.map((c) => c.id),
      ['t1'],
    );
    const c = await hub.api(`${S}/collections/t1`);
    assert.ok(c.headers.get('etag'));
    const it1 = await hub.api(`${S}/collections/t1/items/i03`);
    assert.equal(it1.status, 200);
    assert.match(it1.headers.get('content-type') ?? '', /geo\+json/);
    const body = (await it1.json()) as { links: Array<{ rel: string; href: string }> };
    assert.ok(body.links.find((l) => l.rel === 'self')!.href.endsWith('/collections/t1/items/i03'));
    const missing = await hub.api(`${S}/collections/t1/items/nope`);
    assert.equal(missing.status, 404);
    const err = (await missing.json()) as { code: string; description: string };
    assert.equal(err.code, 'TH_STAC_ITEM_NOT_FOUND');
    assert.ok(err.description);
  });

  it('pages /items through next links with bbox and datetime', async () => {
    let url: string | null =
      `${hub.url}${S}/collections/t1/items?limit=4&datetime=2021-02-03T00:00:00Z/..&bbox=-180,-90,180,90`;
    const ids: string[] = [];
    while (url) {
      const page = (await (await fetch(url)).json()) as {
        features: Array<{ id: string }>;
        links: Array<{ rel: string; href: string }>;
        numberMatched: number;
      };
      // counted on the first page only (later pages would pay for the count again)
      assert.equal(page.numberMatched, ids.length === 0 ? 23 : undefined);
      ids.push(...page.features.map((f) => f.id));
      url = page.links.find((l) => l.rel === 'next')?.href ?? null;
    }
    assert.equal(ids.length, 23);
    assert.equal(new Set(ids).size, 23);
    assert.equal(ids[0], 'i24'); // newest first by default
  });

  it('pages POST /search through next links that carry the body', async () => {
    let body: Record<string, unknown> | null = {
      limit: 5,
      sortby: [{ field: 'eo:cloud_cover', direction: 'asc' }],
    };
    const values: number[] = [];
    while (body) {
      const r = await hub.api(`${S}/search`, { method: 'POST', ...json(body) });
      const page = (await r.json()) as {
        features: Array<{ properties: { 'eo:cloud_cover': number } }>;
        links: Array<{ rel: string; method?: string; body?: Record<string, unknown> }>;
      };
      values.push(...page.features.map((f) => f.properties['eo:cloud_cover']));
      const next = page.links.find((l) => l.rel === 'next');
      if (next) assert.equal(next.method, 'POST');
      body = next?.body ?? null;
    }
    assert.equal(values.length, 25);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
    );
  });

  it('refuses bbox with intersects, bad datetimes and bad tokens; clamps large limits', async () => {
    const both = await hub.api(`${S}/search`, {
      method: 'POST',
      ...json({ bbox: [0, 0, 1, 1], intersects: { type: 'Point', coordinates: [0, 0] } }),
    });
    assert.equal(both.status, 400);
    assert.equal(((await both.json()) as { code: string }).code, 'TH_STAC_BAD_SEARCH');
    assert.equal((await hub.api(`${S}/search?datetime=yesterday`)).status, 400);
    assert.equal((await hub.api(`${S}/search?token=garbage`)).status, 400);
    assert.equal((await hub.api(`${S}/search?limit=0`)).status, 400);
    const big = await hub.api(`${S}/search?limit=1000000`);
    assert.equal(big.status, 200);
    assert.equal(((await big.json()) as { context: { limit: number } }).context.limit, 10000);
  });

  it('searches by intersects, ids, query, filter, q and fields', async () => {
    const post = async (b: unknown) =>
      (
        (await (await hub.api(`${S}/search`, { method: 'POST', ...json(b) })).json()) as {
          features: Feature[];
        }
      ).features;
    assert.deepEqual(
      (await post({ intersects: { type: 'Point', coordinates: [-13.5, -6.5] } })).map((f) => f.id),
      ['i03'],
    );
    assert.deepEqual(
      (await post({ ids: ['i01', 'i02'], sortby: [{ field: 'id', direction: 'asc' }] })).map((f) => f.id),
      ['i01', 'i02'],
    );
    const q = await post({ query: { 'eo:cloud_cover': { gte: 90 } }, limit: 100 });
    assert.ok(q.length > 0 && q.every((f) => f.properties['eo:cloud_cover'] >= 90));
    const f = await post({ filter: "eo:cloud_cover BETWEEN 10 AND 20 AND id LIKE 'i%'", limit: 100 });
    assert.ok(
      f.length > 0 &&
        f.every((x) => x.properties['eo:cloud_cover'] >= 10 && x.properties['eo:cloud_cover'] <= 20),
    );
    const fj = await post({
      filter: { op: '=', args: [{ property: 'id' }, 'i05'] },
      'filter-lang': 'cql2-json',
    });
    assert.deepEqual(
      fj.map((x) => x.id),
      ['i05'],
    );
    assert.deepEqual(
      (await post({ q: 'tahoe' })).map((x) => x.id),
      ['i03'],
    );
    const fields = await post({
      ids: ['i04'],
      fields: { include: ['properties.eo:cloud_cover'], exclude: ['links'] },
    });
    assert.deepEqual(Object.keys(fields[0]!.properties), ['eo:cloud_cover']);
    assert.equal(fields[0]!.assets, undefined);
    const get = (await (await hub.api(`${S}/search?ids=i04&fields=-properties,-assets`)).json()) as {
      features: Array<Record<string, unknown>>;
    };
    assert.equal(get.features[0]!['properties'], undefined);
    const bad = await hub.api(`${S}/search`, { method: 'POST', ...json({ filter: 'eo:cloud_cover <' }) });
    assert.equal(bad.status, 400);
  });

  it('serves queryables derived from the items', async () => {
    const r = await hub.api(`${S}/collections/t1/queryables`);
    assert.match(r.headers.get('content-type') ?? '', /schema\+json/);
    const q = (await r.json()) as { properties: Record<string, { type?: string }> };
    assert.equal(q.properties['eo:cloud_cover']?.type, 'number');
  });
});

describe('STAC API transactions', () => {
  it('creates, conflicts, replaces with If-Match, patches and deletes items', async () => {
    const url = `${S}/collections/t1/items`;
    const doc = item('tx1', { x: 5, y: 5 });
    const created = await hub.api(url, { method: 'POST', ...json(doc) });
    assert.equal(created.status, 201);
    const etag = created.headers.get('etag')!;
    assert.equal((await hub.api(url, { method: 'POST', ...json(doc) })).status, 409);
    const changed = { ...doc, properties: { ...doc.properties, 'eo:cloud_cover': 3 } };
    const stale = await hub.api(`${url}/tx1`, {
      method: 'PUT',
      headers: { 'if-match': '"stale"' },
      ...json(changed),
    });
    assert.equal(stale.status, 412);
    const put = await hub.api(`${url}/tx1`, {
      method: 'PUT',
      headers: { 'if-match': etag },
      ...json(changed),
    });
    // 204 with the new ETag by default; the document itself on `Prefer: return=representation`.
    assert.equal(put.status, 204);
    assert.equal(await put.text(), '');
    assert.ok(put.headers.get('etag') && put.headers.get('etag') !== etag);
    const patched = await hub.api(`${url}/tx1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json', prefer: 'return=representation' },
      body: JSON.stringify({ properties: { 'eo:cloud_cover': 4 } }),
    });
    assert.equal(patched.status, 200);
    assert.equal(
      ((await patched.json()) as { properties: Record<string, unknown> }).properties['eo:cloud_cover'],
      4,
    );
    assert.equal((await hub.api(`${url}/nope`, { method: 'PUT', ...json(item('nope')) })).status, 404);
    assert.equal((await hub.api(`${url}/tx1`, { method: 'DELETE' })).status, 204);
    assert.equal((await hub.api(`${url}/tx1`, { method: 'DELETE' })).status, 404);
  });

  it('validates documents and names the failing JSON path', async () => {
    const bad = { ...item('bad1'), properties: { datetime: 'not a time' } };
    const r = await hub.api(`${S}/collections/t1/items`, { method: 'POST', ...json(bad) });
    assert.equal(r.status, 400);
    const e = (await r.json()) as { code: string; description: string; path: string };
    assert.equal(e.code, 'TH_STAC_INVALID_ITEM');
    assert.match(e.path, /properties\.datetime/);
    const open = item('bad2');
    (open.geometry as { coordinates: number[][][] }).coordinates[0]!.pop();
    const g = await hub.api(`${S}/collections/t1/items`, { method: 'POST', ...json(open) });
    assert.equal(g.status, 400);
    const bbox = { ...item('bad3'), bbox: [50, 50, 51, 51] };
    assert.equal((await hub.api(`${S}/collections/t1/items`, { method: 'POST', ...json(bbox) })).status, 400);
    const col = await hub.api(`${S}/collections`, {
      method: 'POST',
      ...json({ ...collection('c-bad'), license: 5 }),
    });
    assert.equal(col.status, 400);
    assert.match(((await col.json()) as { path: string }).path, /license/);
  });

  it('bulk-loads an ItemCollection all or nothing', async () => {
    const features = [
      item('bulk1'),
      item('bulk2'),
      { ...item('bulk3'), geometry: { type: 'Point', coordinates: [999, 0] } },
    ];
    const r = await hub.api(`${S}/collections/t1/items`, {
      method: 'POST',
      ...json({ type: 'FeatureCollection', features }),
    });
    assert.equal(r.status, 400);
    assert.equal((await hub.api(`${S}/collections/t1/items/bulk1`)).status, 404);
  });

  it('streams ndjson ingest in batches and reports the failing line', async () => {
    await hub.api(`${S}/collections`, { method: 'POST', ...json(collection('nd')) });
    const lines = Array.from({ length: 7 }, (_, i) => JSON.stringify(item(`n${i}`))).join('\n') + '\n';
    const r = await hub.api(`${S}/collections/nd/ingest?batchSize=3`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines,
    });
    assert.deepEqual(await r.json(), { committed: 7, batches: 3 });
    const bad = lines + '{not json\n';
    const e = await hub.api(`${S}/collections/nd/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: bad,
    });
    assert.equal(e.status, 400);
    assert.equal(((await e.json()) as { line: number }).line, 8);
    // a blank line before an invalid item: the answer names the item's own line
    const invalid = `${JSON.stringify(item('n20'))}\n\n${JSON.stringify({ ...item('n21'), properties: {} })}\n`;
    const e2 = await hub.api(`${S}/collections/nd/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: invalid,
    });
    assert.equal(e2.status, 400);
    const b2 = (await e2.json()) as { line: number; committed: number };
    assert.equal(b2.line, 3);
    assert.equal(b2.committed, 0);
  });

  it('replaces, patches and deletes collections with If-Match', async () => {
    await hub.api(`${S}/collections`, { method: 'POST', ...json(collection('cx')) });
    assert.equal(
      (await hub.api(`${S}/collections`, { method: 'POST', ...json(collection('cx')) })).status,
      409,
    );
    const cur = await hub.api(`${S}/collections/cx`);
    const etag = cur.headers.get('etag')!;
    const stale = await hub.api(`${S}/collections/cx`, {
      method: 'PUT',
      headers: { 'if-match': '"x"' },
      ...json(collection('cx', { title: 'T' })),
    });
    assert.equal(stale.status, 412);
    const ok = await hub.api(`${S}/collections/cx`, {
      method: 'PUT',
      headers: { 'if-match': etag },
      ...json(collection('cx', { title: 'T' })),
    });
    assert.equal(ok.status, 204);
    const p = await hub.api(`${S}/collections/cx`, {
      method: 'PATCH',
      headers: { prefer: 'return=representation' },
      ...json({ title: 'U' }),
    });
    assert.equal(((await p.json()) as { title: string }).title, 'U');
    assert.equal((await hub.api(`${S}/collections/cx`, { method: 'DELETE' })).status, 204);
    assert.equal((await hub.api(`${S}/collections/cx`)).status, 404);
  });
});
