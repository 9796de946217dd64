/**
 * /searches: mosaics of STAC search results, like titiler-pgstac. POST /searches/register stores a search
 * (collections, bbox, datetime, filter, sortby, ...) and returns its id; /searches/{id}/tiles/... runs it for
 * each tile's bounds with the caller's rights and combines the items' pixels (`pixel_selection`), reading at
 * most `tiler.maxItemsPerTile` items per tile.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTerraHubError, TerraHubError } from '../core/errors.ts';
import { MEDIA_TYPES } from '../raster/render/encode.ts';
import { getTms, WebMercatorQuad } from '../raster/tms/tms.ts';
import { EPSG_4326, transformBounds } from '../raster/warp/crs.ts';
import { tileGrid, tmsCrs } from './geometry.ts';
import { itemInputs, type CatalogAccess } from './item.routes.ts';
import { badParam, intParam, parseTileAddress } from './tile-address.ts';
import { mapPage } from './map.page.ts';
import { Mosaic, PIXEL_SELECTIONS, type PixelSelection } from './mosaic.ts';
import { parseRenderParams, single, type Query } from './params.ts';
import { applyExpression, readGrid, toImage, type Input } from './pipeline.ts';
import { baseUrl, cacheHeaders, etagFor, passQuery } from './respond.ts';
import type { SearchRegistry } from './searches.ts';
import type { TilerService } from './service.ts';

export interface SearchRouteOptions {
  tiler: TilerService;
  catalog: CatalogAccess;
  searches: SearchRegistry;
  publicUrl: string;
  apiPrefix: string;
}

function intersect(a: number[], b: number[]): number[] | null {
  const r = [Math.max(a[0]!, b[0]!), Math.max(a[1]!, b[1]!), Math.min(a[2]!, b[2]!), Math.min(a[3]!, b[3]!)];
  return r[0]! < r[2]! && r[1]! < r[3]! ? r : null;
}

export function searchRoutes(app: FastifyInstance, o: SearchRouteOptions): void {
  app.post('/searches/register', async (req, reply) => {
    const s = o.searches.register(req.body);
    // Run it once so that a bad filter or collection is a 400 now, not on every tile.
    await o.catalog.search(req.principal, { ...s.body, limit: 1 });
    const base = `${baseUrl(req, o.publicUrl)}${o.apiPrefix}/searches/${s.id}`;
    return reply.code(200).send({
      id: s.id,
      links: [
        { rel: 'metadata', type: 'application/json', href: `${base}/info` },
        { rel: 'tilejson', type: 'application/json', href: `${base}/WebMercatorQuad/tilejson.json` },
        { rel: 'map', type: 'text/html', href: `${base}/WebMercatorQuad/map.html` },
      ],
    });
  });

  app.get<{ Params: { id: string } }>('/searches/:id/info', async (req) => {
    const s = o.searches.get(req.params.id);
    return { id: s.id, search: s.body, metadata: s.metadata };
  });

  const tile = async (
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    tmsId: string,
    zs: string,
    xs: string,
    ys: string,
  ) => {
    const search = o.searches.get(id);
    const q = req.query as Query;
    const { tms, z, x, y, size, format } = parseTileAddress(q, tmsId, zs, xs, ys);
    const method = (single(q, 'pixel_selection') ?? 'first') as PixelSelection;
    if (!PIXEL_SELECTIONS.includes(method))
      badParam('pixel_selection', `must be one of ${PIXEL_SELECTIONS.join(', ')}`);
    const limit = intParam(q, 'items_limit', o.tiler.maxItemsPerTile, 1, o.tiler.maxItemsPerTile);
    const p = parseRenderParams(q);
    const grid = tileGrid(tms, z, x, y, size);
    // Clamped: edge tiles come back a hair past +-180 from floating point, which STAC rejects.
    const tb = transformBounds(tmsCrs(tms), EPSG_4326, grid.bounds);
    const tileBbox = [Math.max(tb[0], -180), Math.max(tb[1], -90), Math.min(tb[2], 180), Math.min(tb[3], 90)];
    const body: Record<string, unknown> = { ...search.body, limit };
    if (!body['intersects']) {
      const given = Array.isArray(body['bbox']) ? (body['bbox'] as number[]) : null;
      const b = given ? intersect(given, tileBbox) : tileBbox;
      if (!b) throw new TerraHubError('TH_TILER_OUTSIDE_DATA', 'the tile is outside the search bbox');
      body['bbox'] = b;
    }
    const { items } = await o.catalog.search(req.principal, body);
    const layers: Input[][] = [];
    const ids: string[] = [];
    for (const item of items.slice(0, limit)) {
      try {
        const r = await itemInputs(o.tiler, req.principal, item, p);
        layers.push(r.inputs);
        ids.push(...r.ids);
      } catch (e) {
        // An item without the asset asked for is left out of the mosaic, as titiler-pgstac does.
        if (isTerraHubError(e) && e.code === 'TH_TILER_ASSET_NOT_FOUND') continue;
        throw e;
      }
    }
    if (!layers.length)
      throw new TerraHubError('TH_TILER_OUTSIDE_DATA', 'no item of the search covers this tile');
    if (cacheHeaders(req, reply, o.tiler, etagFor(ids.join('|'), req))) return reply;
    const mosaic = new Mosaic(method);
    for (const inputs of layers) {
      if (mosaic.complete) break;
      const px = await readGrid(inputs, grid, p);
      if (px) mosaic.add(applyExpression(px, p.expression));
    }
    const result = mosaic.result();
    if (!result) throw new TerraHubError('TH_TILER_OUTSIDE_DATA', 'no item of the search covers this tile');
    const fmt = format ?? p.format ?? 'png';
    return reply.type(MEDIA_TYPES[fmt]).send(await toImage(result, p, fmt));
  };
  type TP = { id: string; tms: string; z: string; x: string; y: string };
  app.get<{ Params: TP }>('/searches/:id/tiles/:tms/:z/:x/:y', (req, reply) =>
    tile(req, reply, req.params.id, req.params.tms, req.params.z, req.params.x, req.params.y),
  );
  app.get<{ Params: Omit<TP, 'tms'> }>('/searches/:id/tiles/:z/:x/:y', (req, reply) =>
    tile(req, reply, req.params.id, 'WebMercatorQuad', req.params.z, req.params.x, req.params.y),
  );

  const tilejson = (req: FastifyRequest, id: string, tmsId: string) => {
    const s = o.searches.get(id);
    const tms = getTms(tmsId);
    if (!tms) throw new TerraHubError('TH_TILER_UNKNOWN_TMS', `no tile matrix set "${tmsId}"`);
    const q = req.query as Query;
    const md = s.metadata;
    const bounds = Array.isArray(md['bounds'])
      ? (md['bounds'] as number[])
      : Array.isArray(s.body['bbox'])
        ? (s.body['bbox'] as number[])
        : [-180, -85.0511287798066, 180, 85.0511287798066];
    const minzoom = intParam(q, 'minzoom', typeof md['minzoom'] === 'number' ? md['minzoom'] : 0, 0, 30);
    const maxzoom = intParam(
      q,
      'maxzoom',
      typeof md['maxzoom'] === 'number' ? md['maxzoom'] : tms.matrices.length - 1,
      0,
      30,
    );
    const fmt = single(q, 'tile_format');
    const scale = intParam(q, 'tile_scale', 1, 1, 4);
    const suffix = `${scale > 1 ? `@${scale}x` : ''}${fmt ? `.${fmt}` : ''}`;
    const query = passQuery(req, ['tile_format', 'tile_scale', 'minzoom', 'maxzoom']);
    return {
      tilejson: '2.2.0',
      name: typeof md['name'] === 'string' ? md['name'] : `search ${s.id}`,
      version: '1.0.0',
      scheme: 'xyz',
      tiles: [
        `${baseUrl(req, o.publicUrl)}${o.apiPrefix}/searches/${s.id}/tiles/${tms.id}/{z}/{x}/{y}${suffix}${query}`,
      ],
      minzoom,
      maxzoom,
      bounds,
      center: [(bounds[0]! + bounds[2]!) / 2, (bounds[1]! + bounds[3]!) / 2, minzoom],
    };
  };
  app.get<{ Params: { id: string; tms: string } }>('/searches/:id/:tms/tilejson.json', async (req) =>
    tilejson(req, req.params.id, req.params.tms),
  );
  app.get<{ Params: { id: string } }>('/searches/:id/tilejson.json', async (req) =>
    tilejson(req, req.params.id, WebMercatorQuad.id),
  );
  app.get<{ Params: { id: string; tms: string } }>('/searches/:id/:tms/map.html', async (req, reply) => {
    o.searches.get(req.params.id);
    if (req.params.tms !== WebMercatorQuad.id)
      badParam('tms', 'the map page shows WebMercatorQuad tiles (MapLibre draws Web Mercator)');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        mapPage({ tilejsonUrl: `tilejson.json${passQuery(req, [])}`, staticBase: `${o.apiPrefix}/static` }),
      );
  });
}
