/**
 * Catalog benchmark: generates items shaped like Sentinel-2 L2A items (about 110 km tiles over land
 * latitudes, ten years of datetimes, eo:cloud_cover, a dozen assets), ingests them through the CatalogService
 * (the path `terrahub stac load` and the ingest endpoint use), then measures search latency over HTTP against
 * a real TerraHub: bbox+datetime (limit 100), point intersects, a CQL2 cloud-cover filter sorted by datetime,
 * and ten pages of a large result.
 *
 *   node --import tsx bench/catalog/catalog-bench.ts [items=100000] [requests=200]
 *
 * The anchors named in the issue (stac-fastapi-pgstac and pypgstac on PostgreSQL) are not run by this script
 * yet: it prints TerraHub's own numbers only.
 */
import { startTestHub } from '../../src/testing/hub.ts';
import { systemPrincipal } from '../../src/catalog/index.ts';

const N = Number(process.argv[2] ?? 100_000);
const REQUESTS = Number(process.argv[3] ?? 200);
const BANDS = ['B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B09', 'B11', 'B12'];

function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function s2item(i: number, r: () => number): Record<string, unknown> {
  const x = -170 + r() * 340;
  const y = -60 + r() * 130;
  const w = 1.0 + r() * 0.4;
  const h = 0.99;
  const t = Date.UTC(2015, 6, 1) + Math.floor(r() * 10 * 365.25 * 86400e3);
  const id = `S2B_MSIL2A_${new Date(t).toISOString().replace(/[-:.]/g, '').slice(0, 15)}_${i}`;
  const assets = Object.fromEntries(
    BANDS.map((b) => [
      b,
      {
        href: `s3://sentinel-cogs/${id}/${b}.tif`,
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
        roles: ['data'],
        'eo:bands': [{ name: b }],
      },
    ]),
  );
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: ['https://stac-extensions.github.io/eo/v1.0.0/schema.json'],
    id,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + w, y + 0.02],
          [x + w, y + h],
          [x, y + h],
          [x, y],
        ],
      ],
    },
    bbox: [x, y, x + w, y + h],
    properties: {
      datetime: new Date(t).toISOString(),
      platform: i % 2 ? 'sentinel-2a' : 'sentinel-2b',
      'eo:cloud_cover': Math.round(r() * 10000) / 100,
      's2:mgrs_tile': `${(i % 60) + 1}ABC`,
    },
    links: [],
    assets,
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const hub = await startTestHub({ logLevel: 'silent' });
try {
  const catalog = hub.services.catalog;
  const p = systemPrincipal();
  await catalog.upsertCollection(p, {
    type: 'Collection',
    stac_version: '1.0.0',
    id: 's2',
    description: 'generated Sentinel-2-like items',
    license: 'proprietary',
    extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
    links: [],
  });
  const r = rng(7);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - i) }, (_, k) => s2item(i + k, r));
    await catalog.upsertItems(p, 's2', batch, { mode: 'create' });
  }
  const ingestS = (performance.now() - t0) / 1000;
  console.log(`ingest: ${N} items in ${ingestS.toFixed(1)} s = ${Math.round(N / ingestS)} items/s`);

  const api = `${hub.url}/api/stac/v1`;
  const q = rng(99);
  const time = async (name: string, make: () => { url: string; body?: unknown }) => {
    const ms: number[] = [];
    for (let k = 0; k < REQUESTS; k++) {
      const { url, body } = make();
      const s = performance.now();
      const res = await fetch(
        url,
        body
          ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {},
      );
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${name}: ${res.status}`);
      ms.push(performance.now() - s);
    }
    console.log(
      `${name}: p50 ${pct(ms, 50).toFixed(1)} ms, p99 ${pct(ms, 99).toFixed(1)} ms (${REQUESTS} requests)`,
    );
  };
  await time('bbox+datetime limit 100', () => {
    const x = -170 + q() * 330;
    const y = -60 + q() * 120;
    const y0 = 2015 + Math.floor(q() * 9);
    return {
      url: `${api}/search?bbox=${x},${y},${x + 10},${y + 10}&datetime=${y0}-01-01T00:00:00Z/${y0}-12-31T23:59:59Z&limit=100`,
    };
  });
  await time('point intersects', () => ({
    url: `${api}/search`,
    body: { intersects: { type: 'Point', coordinates: [-170 + q() * 340, -60 + q() * 130] }, limit: 100 },
  }));
  await time('CQL2 cloud cover < 10, sorted by datetime', () => ({
    url: `${api}/search`,
    body: {
      filter: `eo:cloud_cover < ${5 + q() * 10}`,
      sortby: [{ field: 'datetime', direction: 'desc' }],
      limit: 100,
    },
  }));
  const pages: number[] = [];
  for (let k = 0; k < Math.max(1, Math.floor(REQUESTS / 20)); k++) {
    let body: unknown = { bbox: [-180, -60, 180, 70], limit: 100 };
    const s = performance.now();
    for (let n = 0; n < 10 && body; n++) {
      const res = await fetch(`${api}/search`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      const page = (await res.json()) as { links: Array<{ rel: string; body?: unknown }> };
      body = page.links.find((l) => l.rel === 'next')?.body;
    }
    pages.push(performance.now() - s);
  }
  console.log(
    `ten pages of 100: p50 ${pct(pages, 50).toFixed(1)} ms, p99 ${pct(pages, 99).toFixed(1)} ms (${pages.length} runs)`,
  );
} finally {
  await hub.close();
}
