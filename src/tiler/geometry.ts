/** Grids for tiles, previews and bbox images, and the zoom range of a dataset in a tile matrix set. */
import type { Crs, RasterDataset } from '../raster/types.ts';
import { EPSG_4326, transformBounds } from '../raster/warp/crs.ts';
import type { DestGrid } from '../raster/warp/reproject.ts';
import { datasetBounds } from '../raster/warp/warp.ts';
import { tileBounds, zoomForResolution, type TileMatrixSet } from '../raster/tms/tms.ts';

export function tmsCrs(tms: TileMatrixSet): Crs {
  return { epsg: tms.epsg, definition: null };
}

export function tileGrid(tms: TileMatrixSet, z: number, x: number, y: number, size: number): DestGrid {
  return { crs: tmsCrs(tms), bounds: tileBounds(tms, z, x, y), width: size, height: size };
}

/** The dataset's bounds in WGS 84 longitude/latitude. */
export function geographicBounds(ds: RasterDataset): [number, number, number, number] {
  return transformBounds(ds.crs!, EPSG_4326, datasetBounds(ds));
}

/** minzoom (whole raster in about one tile, from the coarsest overview) and maxzoom (native detail). */
export function zoomRange(ds: RasterDataset, tms: TileMatrixSet): { minzoom: number; maxzoom: number } {
  const b = transformBounds(ds.crs!, tmsCrs(tms), datasetBounds(ds));
  const resolution = (b[2] - b[0]) / ds.width;
  const maxzoom = zoomForResolution(tms, resolution);
  const coarsest = ds.levels[ds.levels.length - 1]!;
  const minzoom = Math.max(
    0,
    zoomForResolution(tms, (b[2] - b[0]) / coarsest.width) -
      Math.ceil(Math.log2(Math.max(coarsest.width, coarsest.height) / 256)),
  );
  return { minzoom: Math.min(minzoom, maxzoom), maxzoom };
}

/** A native-CRS grid over the whole dataset, at most `maxSize` pixels on its longer side. */
export function previewGrid(ds: RasterDataset, maxSize: number, width?: number, height?: number): DestGrid {
  const bounds = datasetBounds(ds);
  let w = width;
  let h = height;
  if (!w || !h) {
    const scale = Math.min(1, maxSize / Math.max(ds.width, ds.height));
    w = w ?? Math.max(1, Math.round(ds.width * scale));
    h = h ?? Math.max(1, Math.round(ds.height * scale));
  }
  return { crs: ds.crs!, bounds, width: w, height: h };
}
