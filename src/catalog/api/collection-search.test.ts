import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { collection } from '../testing.fixtures.ts';

const S = '/api/stac/v1';
let hub: TestHub;
let dir: string;

function withExtent(id: string, bbox: number[], interval: [string | null, string | null], extra = {}) {
  return collection(id, {
    extent: { spatial: { bbox: [bbox] }, temporal: { interval: [interval] } },
    ...extra,
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stac-queryables-'));
  const file = join(dir, 'queryables.json');
  writeFileSync(
    file,
    JSON.stringify({ 'sat:orbit_state': { type: 'string', enum: ['ascending', 'descending'] } }),
  );
  hub = await startTestHub({ 'catalog.queryables': file });
  const docs = [
    withExtent('europe', [-10, 35, 30, 70], ['2018-01-01T00:00:00Z', '2019-01-01T00:00:00Z'], {
      title: 'Sentinel over Europe',
      keywords: ['optical'],
    }),
    withExtent('pacific', [170, -20, -170, 10], ['2020-01-01T00:00:00Z', null], { title: 'Islands' }),
    withExtent('usa', [-125, 25, -65, 50], ['2010-01-01T00:00:00Z', '2012-01-01T00:00:00Z'], {
      title: 'NAIP',
    }),
  ];
  for (const d of docs) {
    const r = await hub.api(`${S}/collections`, { method: 'POST', body: JSON.stringify(d) });
    assert.equal(r.status, 201);
  }
});
after(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ids(query: string): Promise<string[]> {
  const r = await hub.api(`${S}/collections${query}`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { collections: Array<{ id: string }> }).collections.map((c) => c.id);
}

it('searches collections by free text, bbox (across the antimeridian) and datetime', async () => {
  assert.deepEqual(await ids('?q=optical'), ['europe']);
  assert.deepEqual(await ids('?q=islands,naip'), ['pacific', 'usa']);
  assert.deepEqual(await ids('?bbox=0,40,5,45'), ['europe']);
  assert.deepEqual(await ids('?bbox=175,0,179,5'), ['pacific']);
  assert.deepEqual(await ids('?datetime=2021-06-01T00:00:00Z/..'), ['pacific']);
  assert.deepEqual(await ids('?datetime=2011-01-01T00:00:00Z/2018-06-01T00:00:00Z'), ['europe', 'usa']);
  const page = (await (await hub.api(`${S}/collections?limit=2`)).json()) as {
    collections: Array<{ id: string }>;
    links: Array<{ rel: string; href: string }>;
  };
  assert.deepEqual(
    page.collections.map((c) => c.id),
    ['europe', 'pacific'],
  );
  const next = page.links.find((l) => l.rel === 'next')!;
  const rest = (await (await fetch(next.href)).json()) as { collections: Array<{ id: string }> };
  assert.deepEqual(
    rest.collections.map((c) => c.id),
    ['usa'],
  );
  assert.equal((await hub.api(`${S}/collections?bbox=1,2,3`)).status, 400);
});

it('adds configured queryables to the derived ones', async () => {
  const q = (await (await hub.api(`${S}/queryables`)).json()) as {
    properties: Record<string, { enum?: string[] }>;
  };
  assert.deepEqual(q.properties['sat:orbit_state']?.enum, ['ascending', 'descending']);
  assert.ok(q.properties['datetime']);
});
