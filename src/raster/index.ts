/**
 * The raster library's public face: open any TIFF/COG from a ByteSource, file and HTTP sources, and the COG
 * writer. Everything else under src/raster/tiff and src/raster/cog is internal.
 */
import type { ChunkCache } from './tiff/chunk-cache.ts';
import { openTiff, type TiffDataset } from './tiff/dataset.ts';
import type { ByteSource } from './types.ts';

export type * from './types.ts';
export { TiffDataset } from './tiff/dataset.ts';
export { ChunkCache } from './tiff/chunk-cache.ts';
export { fileSource, type ClosableByteSource } from './io/file-source.ts';
export { httpSource } from './io/http-source.ts';

/**
 * Opens a GeoTIFF/COG (classic or BigTIFF) by reading only its header and IFDs through `source`.
 * @example
 * const src = await fileSource('scene.tif');
 * const ds = await openRaster(src);
 * const { data } = await ds.read({ level: 0, window: { x: 0, y: 0, width: 256, height: 256 } });
 * Pass `blockCache` to share one budget of decoded blocks across datasets (the data API does).
 */
export function openRaster(source: ByteSource, opts: { blockCache?: ChunkCache } = {}): Promise<TiffDataset> {
  return openTiff(source, opts.blockCache);
}
