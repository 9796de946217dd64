/**
 * The endpoints every layer kind shares (a COG, a STAC item's assets): tiles, tilejson, preview, bbox,
 * point, statistics and the map page. A layer kind supplies only how to resolve its inputs from a request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TerraHubError } from '../core/errors.ts';
import { MEDIA_TYPES, parseFormat, type ImageFormat } from '../raster/render/encode.ts';
import { getTms, WebMercatorQuad } from '../raster/tms/tms.ts';
import { transformer } from '../raster/warp/crs.ts';
import { inverseGeoTransform, type DestGrid, type PixelMap } from '../raster/warp/reproject.ts';
import { epsgDefinition } from '../raster/warp/epsg.definitions.ts';
import { geographicBounds, previewGrid, tileGrid, zoomRange } from './geometry.ts';
import { mapPage } from './map.page.ts';
import { parseRenderParams, single, type Query, type RenderParams } from './params.ts';
import { applyExpression, planInputs, readGrid, readPlanned, type Input, type Pixels } from './pipeline.ts';
import { baseUrl, cacheHeaders, etagFor, passQuery } from './respond.ts';
import { runRenderTask, taskTransfers } from './workers/render.task.ts';
import { pixelMapFor, releaseMaps } from './workers/scratch.ts';
import type { TilerService } from './service.ts';
import { statistics } from './statistics.ts';
import { badParam, intParam, parseTileAddress } from './tile-address.ts';

export interface Layer {
  inputs: Input[];
  /** Identity of the data for ETags: the sources' ids, which carry the objects' ETags. */
  id: string;
}

export type LayerResolver = (req: FastifyRequest, p: RenderParams) => Promise<Layer>;

export interface LayerRouteOptions {
  tiler: TilerService;
  publicUrl: string;
  /** Path of this layer kind under the API, with its route parameters (`/cog`, `/collections/:cid/items/:iid`). */
  base: string;
  /** Path of the API prefix from the origin (`/api/data/v1`). */
  apiPrefix: string;
  resolve: LayerResolver;
}

/** Largest image drawn on the event loop when it is the only one being drawn (a 512 px tile). */
const IN_THREAD_MAX_PIXELS = 512 * 512;

async function sendImage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: LayerRouteOptions,
  layer: Layer,
  grid: DestGrid,
  p: RenderParams,
  format: ImageFormat,
): Promise<unknown> {
  if (cacheHeaders(req, reply, o.tiler, etagFor(layer.id, req))) return reply;
  const { tiler } = o;
  const plans = planInputs(layer.inputs, grid, p);
  tiler.drawing.images++;
  let image: Uint8Array | null;
  let maps: Array<PixelMap | null> | undefined;
  try {
    // Alone, an image of tile size renders on the event loop: the hop to a worker would only add latency,
    // and the pixel maps are made while the blocks inflate on libuv's thread pool. Under load, workers.
    const here =
      !tiler.pool || (tiler.drawing.images === 1 && grid.width * grid.height <= IN_THREAD_MAX_PIXELS);
    const reading = readPlanned(layer.inputs, plans);
    if (here) {
      reading.catch(() => undefined); // awaited below; this only keeps a failure from being "unhandled"
      await new Promise(setImmediate); // the reads reach the thread pool first
      maps = plans.map((plan) => (plan ? pixelMapFor(plan) : null));
    }
    const inputs = await reading;
    const task = { inputs, width: grid.width, height: grid.height, query: req.query as Query, format };
    image =
      here || !tiler.pool
        ? await runRenderTask(task, maps)
        : await tiler.pool.run(task, taskTransfers(inputs));
  } finally {
    tiler.drawing.images--;
    if (maps) releaseMaps(maps);
  }
  if (!image) throw new TerraHubError('TH_TILER_OUTSIDE_DATA');
  return reply.type(MEDIA_TYPES[format]).send(Buffer.from(image.buffer, image.byteOffset, image.byteLength));
}

export function registerLayerRoutes(app: FastifyInstance, o: LayerRouteOptions): void {
  const { base, tiler } = o;

  const tile = async (
    req: FastifyRequest,
    reply: FastifyReply,
    tmsId: string,
    zs: string,
    xs: string,
    ys: string,
  ) => {
    const q = req.query as Query;
    const { tms, z, x, y, size, format } = parseTileAddress(q, tmsId, zs, xs, ys);
    const p = parseRenderParams(q);
    const layer = await o.resolve(req, p);
    return sendImage(req, reply, o, layer, tileGrid(tms, z, x, y, size), p, format ?? p.format ?? 'png');
  };
  type TileParams = { tms: string; z: string; x: string; y: string };
  app.get<{ Params: TileParams }>(`${base}/tiles/:tms/:z/:x/:y`, (req, reply) =>
    tile(req, reply, req.params.tms, req.params.z, req.params.x, req.params.y),
  );
  app.get<{ Params: Omit<TileParams, 'tms'> }>(`${base}/tiles/:z/:x/:y`, (req, reply) =>
    tile(req, reply, 'WebMercatorQuad', req.params.z, req.params.x, req.params.y),
  );

  const tilejson = async (req: FastifyRequest, tmsId: string, tmsInPath: boolean) => {
    const tms = getTms(tmsId);
    if (!tms) throw new TerraHubError('TH_TILER_UNKNOWN_TMS', `no tile matrix set "${tmsId}"`);
    const q = req.query as Query;
    const p = parseRenderParams(q);
    const layer = await o.resolve(req, p);
    const first = layer.inputs[0]!.dataset;
    const bounds = layer.inputs
      .map((i) => geographicBounds(i.dataset))
      .reduce((a, b) => [
        Math.min(a[0], b[0]),
        Math.min(a[1], b[1]),
        Math.max(a[2], b[2]),
        Math.max(a[3], b[3]),
      ]);
    const zr = zoomRange(first, tms);
    const minzoom = intParam(q, 'minzoom', zr.minzoom, 0, tms.matrices.length - 1);
    const maxzoom = intParam(q, 'maxzoom', zr.maxzoom, 0, tms.matrices.length - 1);
    const fmt = single(q, 'tile_format');
    const scale = intParam(q, 'tile_scale', 1, 1, 4);
    // The layer's own path: the request's, less `/{tms}/tilejson.json` or `/tilejson.json`.
    const path = req.url
      .split('?')[0]!
      .replace(tmsInPath ? /\/[^/]+\/tilejson\.json$/ : /\/tilejson\.json$/, '');
    const suffix = `${scale > 1 ? `@${scale}x` : ''}${fmt ? `.${fmt}` : ''}`;
    const query = passQuery(req, ['tile_format', 'tile_scale', 'minzoom', 'maxzoom']);
    return {
      tilejson: '2.2.0',
      name: layer.id.split('#')[0],
      version: '1.0.0',
      scheme: 'xyz',
      tiles: [`${baseUrl(req, o.publicUrl)}${path}/tiles/${tms.id}/{z}/{x}/{y}${suffix}${query}`],
      minzoom,
      maxzoom,
      bounds,
      center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minzoom],
    };
  };
  app.get<{ Params: { tms: string } }>(`${base}/:tms/tilejson.json`, (req) =>
    tilejson(req, req.params.tms, true),
  );
  app.get(`${base}/tilejson.json`, (req) => tilejson(req, 'WebMercatorQuad', false));

  app.get<{ Params: { tms: string } }>(`${base}/:tms/map.html`, async (req, reply) => {
    if (req.params.tms !== WebMercatorQuad.id)
      badParam('tms', 'the map page shows WebMercatorQuad tiles (MapLibre draws Web Mercator)');
    const query = passQuery(req, []);
    return reply
      .type('text/html; charset=utf-8')
      .send(mapPage({ tilejsonUrl: `tilejson.json${query}`, staticBase: `${o.apiPrefix}/static` }));
  });

  const preview = async (req: FastifyRequest, reply: FastifyReply, ext: string | undefined) => {
    const q = req.query as Query;
    const p = parseRenderParams(q);
    const format = ext ? parseFormat(ext) : (p.format ?? 'png');
    if (!format) badParam('format', `"${ext}" is not png, webp, jpeg or tif`);
    const max = intParam(q, 'max_size', 1024, 1, tiler.maxImageSize);
    const w = intParam(q, 'width', 0, 0, tiler.maxImageSize) || undefined;
    const h = intParam(q, 'height', 0, 0, tiler.maxImageSize) || undefined;
    const layer = await o.resolve(req, p);
    return sendImage(req, reply, o, layer, previewGrid(layer.inputs[0]!.dataset, max, w, h), p, format);
  };
  app.get(`${base}/preview`, (req, reply) => preview(req, reply, undefined));
  app.get<{ Params: { fmt: string } }>(`${base}/preview.:fmt`, (req, reply) =>
    preview(req, reply, req.params.fmt),
  );

  const bbox = async (
    req: FastifyRequest,
    reply: FastifyReply,
    coords: string,
    sizePart: string | undefined,
  ) => {
    const q = req.query as Query;
    let fmtS: string | undefined;
    let size = sizePart;
    if (size === undefined) {
      const m = /^(.*)\.(\w+)$/.exec(coords);
      if (m) [coords, fmtS] = [m[1]!, m[2]];
    } else {
      const m = /^(.*)\.(\w+)$/.exec(size);
      if (m) [size, fmtS] = [m[1]!, m[2]];
    }
    const nums = coords.split(',').map(Number);
    if (
      nums.length !== 4 ||
      nums.some((n) => !Number.isFinite(n)) ||
      nums[0]! >= nums[2]! ||
      nums[1]! >= nums[3]!
    )
      badParam('bbox', `"${coords}" is not minx,miny,maxx,maxy`);
    const p = parseRenderParams(q);
    const format = fmtS ? parseFormat(fmtS) : (p.format ?? 'png');
    if (!format) badParam('format', `"${fmtS}" is not png, webp, jpeg or tif`);
    const crsS = single(q, 'coord_crs') ?? single(q, 'dst_crs') ?? 'EPSG:4326';
    const epsg = /^EPSG:(\d+)$/i.exec(crsS);
    if (!epsg || !epsgDefinition(Number(epsg[1])))
      badParam('coord_crs', `"${crsS}" is not a known EPSG:code`);
    const crs = { epsg: Number(epsg[1]), definition: null };
    const layer = await o.resolve(req, p);
    let width: number;
    let height: number;
    const b = nums as [number, number, number, number];
    if (size) {
      const m = /^(\d+)x(\d+)$/.exec(size);
      if (!m) badParam('size', `"${size}" is not WIDTHxHEIGHT`);
      [width, height] = [Number(m[1]), Number(m[2])];
    } else {
      const max = intParam(q, 'max_size', 1024, 1, tiler.maxImageSize);
      const aspect = (b[2] - b[0]) / (b[3] - b[1]);
      [width, height] =
        aspect >= 1
          ? [max, Math.max(1, Math.round(max / aspect))]
          : [Math.max(1, Math.round(max * aspect)), max];
    }
    if (width < 1 || height < 1 || width > tiler.maxImageSize || height > tiler.maxImageSize)
      throw new TerraHubError('TH_TILER_TOO_LARGE', `images are at most ${tiler.maxImageSize} pixels a side`);
    return sendImage(req, reply, o, layer, { crs, bounds: b, width, height }, p, format);
  };
  app.get<{ Params: { coords: string } }>(`${base}/bbox/:coords`, (req, reply) =>
    bbox(req, reply, req.params.coords, undefined),
  );
  app.get<{ Params: { coords: string; size: string } }>(`${base}/bbox/:coords/:size`, (req, reply) =>
    bbox(req, reply, req.params.coords, req.params.size),
  );

  app.get<{ Params: { coords: string } }>(`${base}/point/:coords`, async (req) => {
    const nums = req.params.coords.split(',').map(Number);
    if (nums.length !== 2 || nums.some((n) => !Number.isFinite(n)))
      badParam('coordinates', `"${req.params.coords}" is not lon,lat`);
    const [lon, lat] = nums as [number, number];
    const p = parseRenderParams(req.query as Query);
    const layer = await o.resolve(req, p);
    const data: Float64Array[] = [];
    const names: string[] = [];
    const mask = new Uint8Array([255]);
    let inside = false;
    for (const inp of layer.inputs) {
      const ds = inp.dataset;
      if (!ds.crs || !ds.geoTransform) throw new TerraHubError('TH_TILER_NOT_GEOREFERENCED');
      const [sx, sy] = transformer({ epsg: 4326, definition: null }, ds.crs)(lon, lat);
      const [px, py] = inverseGeoTransform(ds.geoTransform)(sx, sy);
      const col = Math.floor(px);
      const row = Math.floor(py);
      names.push(...inp.names);
      if (!(col >= 0 && row >= 0 && col < ds.width && row < ds.height)) {
        inp.bands.forEach(() => data.push(new Float64Array([NaN])));
        mask[0] = 0;
        continue;
      }
      inside = true;
      const r = await ds.read({
        level: 0,
        window: { x: col, y: row, width: 1, height: 1 },
        bands: inp.bands,
        mask: true,
      });
      r.data.forEach((d) => data.push(new Float64Array([d[0]!])));
      if (r.mask && !r.mask[0]) mask[0] = 0;
    }
    if (!inside) throw new TerraHubError('TH_TILER_OUTSIDE_DATA', `point ${lon},${lat} is outside the data`);
    const px: Pixels = applyExpression({ names, data, mask, width: 1, height: 1 }, p.expression);
    return {
      coordinates: [lon, lat],
      values: px.data.map((d) => (Number.isFinite(d[0]!) ? d[0] : null)),
      band_names: px.names,
      valid: px.mask[0] !== 0,
    };
  });

  app.get(`${base}/statistics`, async (req) => {
    const q = req.query as Query;
    const p = parseRenderParams(q);
    const max = intParam(q, 'max_size', 1024, 1, tiler.maxImageSize);
    const layer = await o.resolve(req, p);
    const px = await readGrid(layer.inputs, previewGrid(layer.inputs[0]!.dataset, max), p);
    if (!px) throw new TerraHubError('TH_TILER_OUTSIDE_DATA');
    return statistics(applyExpression(px, p.expression));
  });
}
