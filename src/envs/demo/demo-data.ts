/**
 * The public `demo` collection the quickstart notebooks use: a 2x2 grid of 4-band scenes (blue, green, red,
 * near infrared; one COG per band) on three dates with different clouds, and a DEM over the same area.
 * Made by TerraHub's own code (landscape.ts -> GeoTIFF -> the COG writer), stored in the public-read `demo`
 * bucket, catalogued in the public `demo` collection. Created once, at start-up, when it is missing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerScopes, type Principal } from '../../core/identity/index.ts';
import type { Identity } from '../../core/identity/index.ts';
import type { Logger } from '../../core/log.ts';
import type { CatalogService } from '../../catalog/index.ts';
import { createCogFile } from '../../raster/io/create-cog.ts';
import type { StorageService } from '../../storage/index.ts';
import { encodeGeoTiff } from './geotiff.ts';
import { dem, scene } from './landscape.ts';

export const DEMO = 'demo';
const SIZE = 256;
const PIXEL = 0.0002; // degrees, about 20 m
const WEST = 11.0;
const NORTH = 46.1;
export const BAND_NAMES = ['blue', 'green', 'red', 'nir'] as const;
const BAND_WAVELENGTHS = [0.49, 0.56, 0.665, 0.842];
export const DATES = [
  { date: '2024-04-20T10:00:00Z', seed: 1, cloudiness: 0.55, season: 0.3 },
  { date: '2024-06-18T10:00:00Z', seed: 2, cloudiness: 0.08, season: 0.8 },
  { date: '2024-08-22T10:00:00Z', seed: 3, cloudiness: 0.3, season: 1 },
];
const EXT = [
  'https://stac-extensions.github.io/eo/v1.1.0/schema.json',
  'https://stac-extensions.github.io/projection/v1.1.0/schema.json',
];

export interface DemoDeps {
  identity: Identity;
  storage: StorageService;
  catalog: CatalogService;
  log: Logger;
}

function adminPrincipal(identity: Identity): Principal {
  const admin = identity.users.get('admin');
  return { user: admin, scopes: ownerScopes(admin), tokenId: null };
}

function footprint(west: number, north: number, extent: number) {
  const [e, s] = [west + extent, north - extent];
  return {
    bbox: [west, s, e, north],
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [west, s],
          [e, s],
          [e, north],
          [west, north],
          [west, s],
        ],
      ],
    },
  };
}

/** Makes the demo bucket, COGs and collection unless they are complete. Returns the number of items written. */
export async function ensureDemoData(d: DemoDeps, signal?: AbortSignal): Promise<number> {
  const p = adminPrincipal(d.identity);
  // Items are written in one all-or-nothing batch after the collection, so the last item marks completion
  // (a start interrupted half way is finished by the next one).
  const complete = await d.catalog.getStoredItem(p, DEMO, 'dem').then(
    () => true,
    () => false,
  );
  if (complete) return 0;
  if (!d.storage.buckets.find(DEMO))
    await d.storage.createBucket(p, DEMO, { access: 'public-read', read: [], readWrite: [] });
  const tmp = mkdtempSync(join(tmpdir(), 'terrahub-demo-'));
  try {
    const cog = async (
      key: string,
      data: Uint16Array | Int16Array,
      west: number,
      north: number,
      size: number,
    ) => {
      // Stopping TerraHub stops here between files; the next start finishes the job.
      signal?.throwIfAborted();
      const src = join(tmp, 'src.tif');
      const out = join(tmp, 'out.tif');
      writeFileSync(src, encodeGeoTiff({ width: size, height: size, data, west, north, pixel: PIXEL }));
      await createCogFile(src, out, { blockSize: 256, compress: 'DEFLATE', threads: 1 });
      await d.storage.putObject(p, DEMO, key, readFileSync(out), {
        contentType: 'image/tiff; application=geotiff; profile=cloud-optimized',
      });
      return `s3://${DEMO}/${key}`;
    };
    const items: Record<string, unknown>[] = [];
    for (const [ti, [col, row]] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ].entries()) {
      const west = WEST + col! * SIZE * PIXEL;
      const north = NORTH - row! * SIZE * PIXEL;
      for (const when of DATES) {
        const id = `scene-${when.date.slice(0, 10)}-t${ti + 1}`;
        const s = scene(west, north, SIZE, PIXEL, when);
        const assets: Record<string, unknown> = {};
        for (const [b, name] of BAND_NAMES.entries()) {
          assets[name] = {
            href: await cog(`scenes/${id}/${name}.tif`, s.bands[b]!, west, north, SIZE),
            type: 'image/tiff; application=geotiff; profile=cloud-optimized',
            roles: ['data'],
            title: `${name} reflectance (x10000)`,
            'eo:bands': [{ name, common_name: name, center_wavelength: BAND_WAVELENGTHS[b] }],
          };
        }
        items.push({
          type: 'Feature',
          stac_version: '1.0.0',
          stac_extensions: EXT,
          id,
          ...footprint(west, north, SIZE * PIXEL),
          properties: {
            datetime: when.date,
            'eo:cloud_cover': s.cloudCover,
            'proj:epsg': 4326,
            'proj:shape': [SIZE, SIZE],
            'proj:transform': [PIXEL, 0, west, 0, -PIXEL, north],
            platform: 'terrahub-synthetic',
            gsd: 20,
          },
          assets,
          links: [],
        });
      }
    }
    const demSize = SIZE * 2;
    items.push({
      type: 'Feature',
      stac_version: '1.0.0',
      stac_extensions: [EXT[1]],
      id: 'dem',
      ...footprint(WEST, NORTH, demSize * PIXEL),
      properties: {
        datetime: '2024-01-01T00:00:00Z',
        'proj:epsg': 4326,
        'proj:shape': [demSize, demSize],
        'proj:transform': [PIXEL, 0, WEST, 0, -PIXEL, NORTH],
        platform: 'terrahub-synthetic',
      },
      assets: {
        elevation: {
          href: await cog('dem/elevation.tif', dem(WEST, NORTH, demSize, PIXEL), WEST, NORTH, demSize),
          type: 'image/tiff; application=geotiff; profile=cloud-optimized',
          roles: ['data'],
          title: 'Elevation (metres)',
        },
      },
      links: [],
    });
    const extent = SIZE * 2 * PIXEL;
    await d.catalog.upsertCollection(p, {
      type: 'Collection',
      stac_version: '1.0.0',
      stac_extensions: [EXT[0]],
      id: DEMO,
      title: 'TerraHub demo data',
      description:
        'Synthetic scenes made by TerraHub for the quickstart notebooks: a 2x2 grid of 4-band scenes (blue, green, red, nir; reflectance x10000) on three dates with clouds, and a DEM.',
      license: 'CC0-1.0',
      keywords: ['demo', 'synthetic'],
      extent: {
        spatial: { bbox: [[WEST, NORTH - extent, WEST + extent, NORTH]] },
        temporal: { interval: [[DATES[0]!.date, DATES[DATES.length - 1]!.date]] },
      },
      summaries: { 'eo:bands': BAND_NAMES.map((name) => ({ name, common_name: name })) },
      'terrahub:access': { visibility: 'public', groups: [] },
      links: [],
    });
    await d.catalog.upsertItems(p, DEMO, items);
    d.log.info({ items: items.length }, 'Envs:DemoDataCreated');
    return items.length;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
