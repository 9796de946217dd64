/**
 * /cog/...: one Cloud Optimized GeoTIFF named by `url` (a TerraHub storage href, or an allow-listed URL),
 * read with the caller's storage rights. /cog/info describes it; the shared layer routes draw it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TerraHubError } from '../core/errors.ts';
import type { RasterDataset } from '../raster/types.ts';
import { datasetBounds } from '../raster/warp/warp.ts';
import { WebMercatorQuad } from '../raster/tms/tms.ts';
import { geographicBounds, zoomRange } from './geometry.ts';
import { registerLayerRoutes, type Layer } from './layer.routes.ts';
import { single, type Query, type RenderParams } from './params.ts';
import { cogInput } from './pipeline.ts';
import type { TilerService } from './service.ts';

function urlParam(req: FastifyRequest): string {
  const url = single(req.query as Query, 'url');
  if (!url)
    throw new TerraHubError('TH_TILER_BAD_PARAMETER', 'url: required (s3://bucket/key or a storage URL)', {
      parameter: 'url',
    });
  return url;
}

/** The /cog/info document (TiTiler's field names). */
export function cogInfo(ds: RasterDataset): Record<string, unknown> {
  const geo = ds.crs && ds.geoTransform;
  return {
    bounds: geo ? datasetBounds(ds) : null,
    geographic_bounds: geo ? geographicBounds(ds) : null,
    crs: ds.crs?.epsg ? `http://www.opengis.net/def/crs/EPSG/0/${ds.crs.epsg}` : (ds.crs?.definition ?? null),
    ...(geo ? zoomRange(ds, WebMercatorQuad) : {}),
    band_metadata: ds.bands.map((_, i) => [`b${i + 1}`, {}]),
    band_descriptions: ds.bands.map((b, i) => [`b${i + 1}`, b.description ?? '']),
    dtype: ds.dataType,
    nodata_type: ds.hasMask ? 'Mask' : ds.bands.some((b) => b.nodata !== null) ? 'Nodata' : 'None',
    nodata_value: ds.bands[0]?.nodata ?? null,
    colorinterp: ds.bands.map((b) => b.colorInterp ?? 'undefined'),
    scales: ds.bands.map((b) => b.scale ?? 1),
    offsets: ds.bands.map((b) => b.offset ?? 0),
    width: ds.width,
    height: ds.height,
    count: ds.bandCount,
    overviews: ds.levels.slice(1).map((l) => Math.round(ds.width / l.width)),
  };
}

export function cogRoutes(
  app: FastifyInstance,
  o: { tiler: TilerService; publicUrl: string; apiPrefix: string },
): void {
  const resolve = async (req: FastifyRequest, p: RenderParams): Promise<Layer> => {
    const src = await o.tiler.sources.source(req.principal, urlParam(req));
    const ds = await o.tiler.sources.openSource(src);
    return { inputs: [cogInput(ds, p)], id: src.id };
  };
  app.get('/cog/info', async (req) => {
    const ds = await o.tiler.sources.open(req.principal, urlParam(req));
    return cogInfo(ds);
  });
  registerLayerRoutes(app, { ...o, base: '/cog', resolve });
}
