/**
 * Generates the catalog benchmark's items as ndjson: 70% shaped like Sentinel-2 L2A items (about 110 km MGRS
 * tiles, wider in longitude towards the poles, between 60°S and 70°N), 30% like NAIP items (3.75-minute
 * quarter quadrangles over the contiguous US, one summer per year); ten years of datetimes (2015-2024),
 * eo:cloud_cover, and a dozen or more assets each. Deterministic (seeded), so every run and every server
 * gets the same items.
 *
 *   node --import tsx bench/catalog/items.generate.ts <items> <outDir>
 *
 * Writes <outDir>/{sentinel-2-l2a,naip}.ndjson, each collection as <outDir>/<id>.collection.json, and both
 * as <outDir>/collections.ndjson (for pypgstac).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

const N = Number(process.argv[2] ?? 100_000);
const OUT = process.argv[3] ?? 'bench/results/catalog';
const S2_BANDS = ['B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B09', 'B11', 'B12'];
const EO = 'https://stac-extensions.github.io/eo/v1.0.0/schema.json';
const PROJ = 'https://stac-extensions.github.io/projection/v1.0.0/schema.json';
const COG = 'image/tiff; application=geotiff; profile=cloud-optimized';
const YEAR = 365.25 * 86400e3;
const START = Date.UTC(2015, 0, 1);

function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const round = (v: number, d = 6) => Math.round(v * 10 ** d) / 10 ** d;

function polygon(x0: number, y0: number, x1: number, y1: number, skew: number) {
  // A slightly rotated footprint, as real scenes are (not an axis-aligned box).
  const ring = [
    [x0 + skew, y0],
    [x1, y0 + skew],
    [x1 - skew, y1],
    [x0, y1 - skew],
    [x0 + skew, y0],
  ].map(([x, y]) => [round(x!), round(y!)]);
  const xs = ring.map((p) => p[0]!);
  const ys = ring.map((p) => p[1]!);
  return {
    geometry: { type: 'Polygon', coordinates: [ring] },
    bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
  };
}

function s2item(i: number, r: () => number): Record<string, unknown> {
  const y = -60 + r() * 129;
  const h = 0.99;
  const w = Math.min(6, 0.99 / Math.cos(((y + h / 2) * Math.PI) / 180)); // 110 km at this latitude
  const x = -180 + r() * (360 - w);
  const t = START + Math.floor(r() * 10 * YEAR);
  const day = new Date(t).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const tile = `${1 + Math.floor((x + 180) / 6)}${'CDEFGHJKLMNPQRSTUVWX'[Math.floor((y + 80) / 8)]}${'ABCDEFGH'[i % 8]}${'PQRSTUV'[i % 7]}`;
  const id = `S2${i % 2 ? 'A' : 'B'}_MSIL2A_${day}_R${String(i % 143).padStart(3, '0')}_T${tile}_${i}`;
  const href = (name: string) =>
    `https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/${tile}/${id}/${name}`;
  const assets: Record<string, unknown> = Object.fromEntries(
    S2_BANDS.map((b) => [
      b,
      { href: href(`${b}.tif`), type: COG, roles: ['data'], title: `Band ${b}`, 'eo:bands': [{ name: b }] },
    ]),
  );
  assets['visual'] = { href: href('TCI.tif'), type: COG, roles: ['visual'], title: 'True color image' };
  assets['SCL'] = { href: href('SCL.tif'), type: COG, roles: ['data'], title: 'Scene classification map' };
  assets['thumbnail'] = { href: href('preview.png'), type: 'image/png', roles: ['thumbnail'] };
  assets['product-metadata'] = { href: href('MTD_MSIL2A.xml'), type: 'application/xml', roles: ['metadata'] };
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: [EO, PROJ],
    id,
    collection: 'sentinel-2-l2a',
    ...polygon(x, y, x + w, y + h, 0.02),
    properties: {
      datetime: new Date(t).toISOString(),
      platform: i % 2 ? 'Sentinel-2A' : 'Sentinel-2B',
      constellation: 'Sentinel 2',
      instruments: ['msi'],
      'eo:cloud_cover': round(r() * 100, 3),
      'proj:epsg': 32600 + 1 + Math.floor((x + 180) / 6),
      's2:mgrs_tile': tile,
      's2:processing_baseline': '05.00',
      's2:nodata_pixel_percentage': round(r() * 30, 3),
    },
    links: [],
    assets,
  };
}

function naipItem(i: number, r: () => number): Record<string, unknown> {
  const q = 0.0625; // 3.75 minutes
  const x = -124 + Math.floor(r() * 912) * q;
  const y = 25 + Math.floor(r() * 384) * q;
  const year = 2015 + Math.floor(r() * 10);
  const t = Date.UTC(year, 5, 1) + Math.floor(r() * 90 * 86400e3);
  const state = ['al', 'az', 'ca', 'co', 'fl', 'ga', 'ks', 'mt', 'ny', 'tx', 'wa', 'wi'][i % 12]!;
  const id = `${state}_m_${Math.round(-x * 1000)}${Math.round(y * 1000)}_${year}_${i}`;
  const href = (name: string) =>
    `https://naipeuwest.blob.core.windows.net/naip/v002/${state}/${year}/${id}${name}`;
  const assets: Record<string, unknown> = {
    image: {
      href: href('.tif'),
      type: COG,
      roles: ['data'],
      title: 'RGBIR COG tile',
      'eo:bands': ['Red', 'Green', 'Blue', 'NIR'].map((name) => ({ name })),
    },
    metadata: { href: href('.txt'), type: 'text/plain', roles: ['metadata'], title: 'FGDC Metdata' },
    thumbnail: { href: href('.200.jpg'), type: 'image/jpeg', roles: ['thumbnail'], title: 'Thumbnail' },
    tilejson: { href: href('/tilejson.json'), type: 'application/json', roles: ['tiles'], title: 'TileJSON' },
    rendered_preview: {
      href: href('/preview.png'),
      type: 'image/png',
      roles: ['overview'],
      title: 'Preview',
    },
  };
  for (const k of ['red', 'green', 'blue', 'nir', 'ndvi', 'mask', 'footprint'])
    assets[k] = { href: href(`_${k}.tif`), type: COG, roles: ['data'], title: `${k} (derived)` };
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: [EO, PROJ],
    id,
    collection: 'naip',
    ...polygon(x, y, x + q, y + q, 0.0005),
    properties: {
      datetime: new Date(t).toISOString(),
      gsd: year >= 2018 ? 0.6 : 1,
      'naip:year': String(year),
      'naip:state': state,
      'proj:epsg': 26900 + 10 + Math.floor((x + 126) / 6),
      'eo:cloud_cover': round(r() * 5, 3),
    },
    links: [],
    assets,
  };
}

function collection(id: string, description: string): Record<string, unknown> {
  return {
    type: 'Collection',
    stac_version: '1.0.0',
    stac_extensions: [],
    id,
    description,
    license: 'proprietary',
    extent: {
      spatial: { bbox: [[-180, -90, 180, 90]] },
      temporal: { interval: [['2015-01-01T00:00:00Z', null]] },
    },
    links: [],
  };
}

await mkdir(OUT, { recursive: true });
const collections = [
  collection('sentinel-2-l2a', 'generated Sentinel-2 L2A-shaped items'),
  collection('naip', 'generated NAIP-shaped items'),
];
for (const c of collections)
  await writeFile(join(OUT, `${String(c['id'])}.collection.json`), JSON.stringify(c));
await writeFile(join(OUT, 'collections.ndjson'), collections.map((c) => JSON.stringify(c)).join('\n') + '\n');
const r = rng(7);
const s2 = createWriteStream(join(OUT, 'sentinel-2-l2a.ndjson'));
const naip = createWriteStream(join(OUT, 'naip.ndjson'));
for (let i = 0; i < N; i++) {
  const isS2 = i % 10 < 7;
  const out = isS2 ? s2 : naip;
  if (!out.write(JSON.stringify(isS2 ? s2item(i, r) : naipItem(i, r)) + '\n')) await once(out, 'drain');
}
s2.end();
naip.end();
await Promise.all([once(s2, 'finish'), once(naip, 'finish')]);
console.error(`items.generate: ${N} items in ${OUT}`);
