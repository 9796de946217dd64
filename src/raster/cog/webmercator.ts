/**
 * `cog create --to-webmercator`: the analogue of GDAL's COG driver with TILING_SCHEME=GoogleMapsCompatible.
 * The source is warped (src/raster/warp) onto the WebMercatorQuad grid (src/raster/tms) at the zoom that
 * matches its resolution, over whole 256 px tiles, so that every COG tile is a map tile. As in GDAL: the zoom
 * is the one whose resolution is nearest the source's (in ratio), a source with nodata keeps it, and one
 * without gets an alpha band (255, or 65535 for uint16) that is zero outside the data.
 * The writer reads this view strip by strip, so memory stays bounded as for a plain conversion.
 */
import { Tag } from '../tiff/tags.ts';
import { typedView, BYTES_PER_SAMPLE } from '../tiff/pixels.ts';
import { WebMercatorQuad } from '../tms/tms.ts';
import { EPSG_3857, transformBounds, transformer } from '../warp/crs.ts';
import type { Resampling } from '../warp/resample.ts';
import { datasetBounds, readWarped } from '../warp/warp.ts';
import type { DataType, PixelArray, RasterDataset, Window } from '../types.ts';
import type { CogSource } from './cog-ifds.ts';

export interface WebMercatorGrid {
  zoom: number;
  /** Metres per pixel at that zoom. */
  resolution: number;
  /** Top-left corner and size in pixels, a whole number of 256 px tiles. */
  minx: number;
  maxy: number;
  width: number;
  height: number;
}

const EXTRA_SAMPLE_UNASSOCIATED_ALPHA = 2;

/** GDAL's choice of zoom (ZOOM_LEVEL_STRATEGY=AUTO) and tile-aligned extent for a georeferenced dataset. */
export function webMercatorGrid(ds: RasterDataset): WebMercatorGrid {
  if (!ds.crs || !ds.geoTransform) throw new Error('the raster has no georeferencing to reproject');
  const [tmsMinX, tmsMinY, tmsMaxX, tmsMaxY] = WebMercatorQuad.bounds;
  const clampX = (v: number) => (Number.isFinite(v) ? Math.min(tmsMaxX, Math.max(tmsMinX, v)) : NaN);
  const clampY = (v: number) => (Number.isFinite(v) ? Math.min(tmsMaxY, Math.max(tmsMinY, v)) : NaN);
  const b = transformBounds(ds.crs, EPSG_3857, datasetBounds(ds));
  const [minx, miny, maxx, maxy] = [clampX(b[0]), clampY(b[1]), clampX(b[2]), clampY(b[3])];
  if ([minx, miny, maxx, maxy].some(Number.isNaN)) throw new Error('the raster lies outside Web Mercator');
  // GDAL's suggested resolution: the diagonal of the data in the target CRS over its diagonal in pixels.
  const to = transformer(ds.crs, EPSG_3857);
  const gt = ds.geoTransform;
  const tl = to(gt[0], gt[3]);
  const br = to(gt[0] + gt[1] * ds.width + gt[2] * ds.height, gt[3] + gt[4] * ds.width + gt[5] * ds.height);
  let res = Math.hypot(br[0] - tl[0], br[1] - tl[1]) / Math.hypot(ds.width, ds.height);
  if (!Number.isFinite(res) || res <= 0)
    res = Math.hypot(maxx - minx, maxy - miny) / Math.hypot(ds.width, ds.height);
  const m = WebMercatorQuad.matrices;
  let zoom = m.findIndex((z) => res > z.cellSize || Math.abs(res - z.cellSize) / z.cellSize <= 1e-8);
  if (zoom < 0) zoom = m.length - 1;
  if (zoom > 0 && m[zoom - 1]!.cellSize / res < res / m[zoom]!.cellSize) zoom--;
  const z = m[zoom]!;
  const span = z.cellSize * z.tileWidth;
  const [ox, oy] = z.pointOfOrigin;
  const tx0 = Math.max(0, Math.floor((minx - ox) / span));
  const ty0 = Math.max(0, Math.floor((oy - maxy) / span));
  const tx1 = Math.min(z.matrixWidth - 1, Math.floor((maxx - ox) / span));
  const ty1 = Math.min(z.matrixHeight - 1, Math.floor((oy - miny) / span));
  return {
    zoom,
    resolution: z.cellSize,
    minx: ox + tx0 * span,
    maxy: oy - ty0 * span,
    width: (tx1 - tx0 + 1) * z.tileWidth,
    height: (ty1 - ty0 + 1) * z.tileHeight,
  };
}

function hasAlpha(ds: CogSource): boolean {
  return (ds.images[0]?.extraSamples ?? []).some((s) => s === 1 || s === 2);
}

/** The source seen through the warp: what the COG writer reads for `--to-webmercator`. */
export function webMercatorView(
  ds: RasterDataset & CogSource,
  resampling: Resampling = 'nearest',
): CogSource & { grid: WebMercatorGrid } {
  const grid = webMercatorGrid(ds);
  const addAlpha = ds.nodata === null && !hasAlpha(ds);
  const bandCount = ds.bandCount + (addAlpha ? 1 : 0);
  const alphaMax = ds.dataType === 'uint16' ? 65535 : 255;
  const fill = ds.nodata ?? 0;
  const src = ds.images[0]!;
  const tags = new Map<number, number[] | string>([
    [Tag.ModelPixelScale, [grid.resolution, grid.resolution, 0]],
    [Tag.ModelTiepoint, [0, 0, 0, grid.minx, grid.maxy, 0]],
    // GTModelType projected, RasterType PixelIsArea, ProjectedCSType EPSG:3857.
    [Tag.GeoKeyDirectory, [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 3857]],
  ]);
  const meta = src.ifd.tags.get(Tag.GdalMetadata);
  if (typeof meta === 'string') tags.set(Tag.GdalMetadata, meta);
  const read = async (o: { level: number; window: Window }): Promise<{ data: PixelArray[]; mask: null }> => {
    const { x, y, width, height } = o.window;
    const minx = grid.minx + x * grid.resolution;
    const maxy = grid.maxy - y * grid.resolution;
    const warped = await readWarped(
      ds,
      {
        crs: EPSG_3857,
        bounds: [minx, maxy - height * grid.resolution, minx + width * grid.resolution, maxy],
        width,
        height,
      },
      { resampling },
    );
    const n = width * height;
    const data: PixelArray[] = [];
    for (let band = 0; band < ds.bandCount; band++) {
      const out = newArray(ds.dataType, n);
      const v = warped?.data[band];
      const ok = warped?.mask;
      const round = !ds.dataType.startsWith('float');
      for (let i = 0; i < n; i++) out[i] = v && ok?.[i] ? (round ? Math.round(v[i]!) : v[i]!) : fill;
      data.push(out);
    }
    if (addAlpha) {
      const alpha = newArray(ds.dataType, n);
      if (warped) for (let i = 0; i < n; i++) alpha[i] = warped.mask[i] ? alphaMax : 0;
      data.push(alpha);
    }
    return { data, mask: null };
  };
  return {
    grid,
    width: grid.width,
    height: grid.height,
    bandCount,
    dataType: ds.dataType,
    nodata: ds.nodata,
    masks: [null],
    images: [
      {
        ifd: { offset: 0, tags },
        photometric: src.photometric,
        extraSamples: addAlpha ? [...src.extraSamples, EXTRA_SAMPLE_UNASSOCIATED_ALPHA] : src.extraSamples,
      },
    ],
    read,
  };
}

function newArray(dt: DataType, n: number): PixelArray {
  return typedView(dt, new Uint8Array(n * BYTES_PER_SAMPLE[dt]));
}
