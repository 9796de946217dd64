/**
 * /collections/{cid}/items/{iid}/...: a STAC item's assets as one layer. `assets=` names them (stacked as
 * bands in that order), `asset_bidx=name|1,2` picks bands of an asset, and expressions use asset names:
 * `nir` for a single-band asset, `visual_b1` for band 1 of a multi-band one. The item is read from the
 * catalog with the caller's rights, and every asset from storage with the caller's rights.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TerraHubError } from '../core/errors.ts';
import type { Principal } from '../core/identity/index.ts';
import { cogInfo } from './cog.routes.ts';
import { registerLayerRoutes, type Layer } from './layer.routes.ts';
import { parseRenderParams, type Query, type RenderParams } from './params.ts';
import { defaultBands, type Input } from './pipeline.ts';
import type { TilerService } from './service.ts';

export interface StacItemLike {
  id: string;
  collection?: string;
  bbox?: number[];
  assets: Record<string, unknown>;
}

/** An asset's href and media type, or undefined when the item has no such asset. */
export function assetOf(item: StacItemLike, name: string): { href: string; type: string | null } | undefined {
  const a = Object.prototype.hasOwnProperty.call(item.assets, name) ? item.assets[name] : undefined;
  if (!a || typeof a !== 'object') return undefined;
  const { href, type } = a as { href?: unknown; type?: unknown };
  if (typeof href !== 'string') return undefined;
  return { href, type: typeof type === 'string' ? type : null };
}

/** What the data API needs of the catalog (a narrow view of CatalogService). */
export interface CatalogAccess {
  getItem(p: Principal, collectionId: string, itemId: string): Promise<StacItemLike>;
  search(p: Principal, body: Record<string, unknown>): Promise<{ items: StacItemLike[] }>;
}

/** Asset names an expression refers to: `nir` -> nir, `visual_b2` -> visual. */
export function assetsOfExpression(names: string[]): string[] {
  return [...new Set(names.map((n) => n.replace(/_b\d+$/i, '')))];
}

/** The inputs of an item for the rendering parameters. */
export async function itemInputs(
  tiler: TilerService,
  principal: Principal,
  item: StacItemLike,
  p: RenderParams,
): Promise<{ inputs: Input[]; ids: string[] }> {
  const names = p.assets ?? (p.expression ? assetsOfExpression(p.expression.names) : null);
  if (!names?.length)
    throw new TerraHubError(
      'TH_TILER_BAD_PARAMETER',
      'assets: name one or more assets (or give an expression)',
      {
        parameter: 'assets',
      },
    );
  const inputs: Input[] = [];
  const ids: string[] = [];
  for (const name of names) {
    const asset = assetOf(item, name);
    if (!asset)
      throw new TerraHubError('TH_TILER_ASSET_NOT_FOUND', `item "${item.id}" has no asset "${name}"`);
    const src = await tiler.sources.source(principal, asset.href);
    const ds = await tiler.sources.openSource(src);
    const bands = p.assetBidx.get(name) ?? defaultBands(ds);
    for (const b of bands) {
      if (b > ds.bandCount)
        throw new TerraHubError(
          'TH_TILER_BAD_PARAMETER',
          `asset_bidx: asset "${name}" has ${ds.bandCount} bands`,
        );
    }
    const bandNames =
      bands.length === 1 && !p.assetBidx.has(name) ? [name] : bands.map((b) => `${name}_b${b}`);
    inputs.push({ dataset: ds, bands, names: bandNames });
    ids.push(src.id);
  }
  if (p.expression) {
    const known = new Set(inputs.flatMap((i) => i.names));
    for (const v of p.expression.names) {
      // `nir_b1` also names a single-band asset's only band.
      if (!known.has(v)) {
        const inp = inputs.find((i) => i.names.length === 1 && `${i.names[0]}_b${i.bands[0]}` === v);
        if (inp) inp.names = [v];
        else
          throw new TerraHubError('TH_TILER_BAD_EXPRESSION', `expression: unknown asset band "${v}"`, {
            token: v,
          });
      }
    }
  }
  return { inputs, ids };
}

export function itemRoutes(
  app: FastifyInstance,
  o: { tiler: TilerService; catalog: CatalogAccess; publicUrl: string; apiPrefix: string },
): void {
  type P = { cid: string; iid: string };
  const item = (req: FastifyRequest) => {
    const { cid, iid } = req.params as P;
    return o.catalog.getItem(req.principal, cid, iid);
  };
  const resolve = async (req: FastifyRequest, p: RenderParams): Promise<Layer> => {
    const it = await item(req);
    const { inputs, ids } = await itemInputs(o.tiler, req.principal, it, p);
    return { inputs, id: ids.join('|') };
  };
  app.get<{ Params: P }>('/collections/:cid/items/:iid/assets', async (req) =>
    Object.keys((await item(req)).assets),
  );
  app.get<{ Params: P }>('/collections/:cid/items/:iid/info', async (req) => {
    const it = await item(req);
    const p = parseRenderParams(req.query as Query);
    const names = p.assets ?? Object.keys(it.assets);
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const asset = assetOf(it, name);
      if (!asset)
        throw new TerraHubError('TH_TILER_ASSET_NOT_FOUND', `item "${it.id}" has no asset "${name}"`);
      if (p.assets === null && asset.type && !/tiff|geotiff/i.test(asset.type)) continue;
      out[name] = cogInfo(await o.tiler.sources.open(req.principal, asset.href));
    }
    return out;
  });
  registerLayerRoutes(app, { ...o, base: '/collections/:cid/items/:iid', resolve });
}
