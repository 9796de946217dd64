/**
 * The data API (/api/data/v1), shaped like TiTiler and titiler-pgstac: COG endpoints, STAC item endpoints,
 * registered searches (mosaics), tile matrix sets, colormaps, and MapLibre's files for the map page.
 * docs/tiler.md describes it for users.
 */
import type { FastifyInstance } from 'fastify';
import { TerraHubError } from '../core/errors.ts';
import { colormapNames, namedColormap } from '../raster/colormap/colormap.ts';
import { getTms, TILE_MATRIX_SETS, tmsDocument } from '../raster/tms/tms.ts';
import { cogRoutes } from './cog.routes.ts';
import { itemRoutes, type CatalogAccess } from './item.routes.ts';
import { searchRoutes } from './search.routes.ts';
import type { SearchRegistry } from './searches.ts';
import { maplibreAssets } from './map.page.ts';
import type { TilerService } from './service.ts';

export interface DataApiOptions {
  tiler: TilerService;
  /** Configured public URL of the origin ('' to use the request's host). */
  publicUrl: string;
  /** Where this plugin is mounted, for links in pages. */
  prefix: string;
  catalog: CatalogAccess;
  searches: SearchRegistry;
}

export async function dataApi(app: FastifyInstance, o: DataApiOptions): Promise<void> {
  const ctx = { tiler: o.tiler, publicUrl: o.publicUrl, apiPrefix: o.prefix };

  app.get('/tileMatrixSets', async (req) => ({
    tileMatrixSets: Object.values(TILE_MATRIX_SETS).map((t) => ({
      id: t.id,
      title: t.title,
      links: [{ href: `${req.url.split('?')[0]}/${t.id}`, rel: 'item', type: 'application/json' }],
    })),
  }));
  app.get<{ Params: { id: string } }>('/tileMatrixSets/:id', async (req) => {
    const tms = getTms(req.params.id);
    if (!tms) throw new TerraHubError('TH_TILER_UNKNOWN_TMS', `no tile matrix set "${req.params.id}"`);
    return tmsDocument(tms);
  });
  app.get('/colorMaps', async () => ({ colorMaps: colormapNames() }));
  app.get<{ Params: { name: string } }>('/colorMaps/:name', async (req) => {
    const t = namedColormap(req.params.name);
    if (!t) throw new TerraHubError('TH_NOT_FOUND', `no colormap "${req.params.name}"`);
    const out: Record<string, number[]> = {};
    for (let i = 0; i < 256; i++) out[String(i)] = [...t.subarray(i * 4, i * 4 + 4)];
    return out;
  });

  // MapLibre for the map pages, from the npm package (no CDN: the hub works offline).
  app.get('/static/maplibre-gl.js', async (_req, reply) =>
    reply.type('text/javascript').header('Cache-Control', 'public, max-age=86400').send(maplibreAssets().js),
  );
  app.get('/static/maplibre-gl.css', async (_req, reply) =>
    reply.type('text/css').header('Cache-Control', 'public, max-age=86400').send(maplibreAssets().css),
  );

  cogRoutes(app, ctx);
  itemRoutes(app, { ...ctx, catalog: o.catalog });
  searchRoutes(app, { ...ctx, catalog: o.catalog, searches: o.searches });
}
