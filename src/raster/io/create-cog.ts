/** `cog create` on files: source file -> COG file, with the worker pool and a file sink. */
import { TerraHubError } from '../../core/errors.ts';
import { type CogOptions, resolveCogOptions } from '../cog/options.ts';
import { alphaIsLast, type CogSource } from '../cog/cog-ifds.ts';
import { availableParallelism } from 'node:os';
import { encodeTile, encodeTileAsync } from '../cog/encode-tile.ts';
import { levelSizes } from '../cog/overview.ts';
import { WorkerPool } from '../cog/worker-pool.ts';
import { webMercatorView } from '../cog/webmercator.ts';
import { type CogWriteResult, type TileEncoder, writeCog } from '../cog/writer.ts';
import type { Resampling } from '../warp/resample.ts';
import { openTiff } from '../tiff/dataset.ts';
import { CogFileSink } from './cog-file-sink.ts';
import { fileSource } from './file-source.ts';

/** Below this many tiles, compression runs on the main thread. */
const SMALL_RASTER_TILES = 16;

export async function createCogFile(
  input: string,
  output: string,
  given: Partial<CogOptions> & {
    predictorAuto?: boolean;
    /** Reproject onto the WebMercatorQuad tile grid (GDAL's TILING_SCHEME=GoogleMapsCompatible). */
    toWebMercator?: boolean;
    /** Resampling of that reprojection (default: nearest for paletted rasters, else cubic, as GDAL). */
    warpResampling?: Resampling;
  },
  onProgress?: (done: number, total: number) => void,
): Promise<CogWriteResult & { options: CogOptions }> {
  let src;
  try {
    src = await fileSource(input);
  } catch (e) {
    throw new TerraHubError(
      'TH_NOT_FOUND',
      `Cannot open ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const pool = { current: null as WorkerPool | null };
  try {
    const tiff = await openTiff(src);
    let ds: CogSource = tiff;
    if (given.toWebMercator) {
      const paletted = tiff.images[0]?.photometric === 3;
      ds = webMercatorView(tiff, given.warpResampling ?? (paletted ? 'nearest' : 'cubic'));
    }
    // Web Mercator tiles are 256 px: each COG tile is then exactly one map tile.
    const options = resolveCogOptions(
      given.toWebMercator ? { ...given, blockSize: 256 } : given,
      ds.dataType,
      ds.bandCount,
      alphaIsLast(ds),
    );
    const tiles = levelSizes(ds.width, ds.height, options.blockSize).reduce(
      (n, [w, h]) => n + Math.ceil(w / options.blockSize) * Math.ceil(h / options.blockSize),
      0,
    );
    // Starting workers costs about a second; a small raster is done sooner in-process.
    let encoder: TileEncoder = { size: 1, run: encodeTile };
    if (tiles > SMALL_RASTER_TILES && options.threads !== 1) {
      // DEFLATE, NONE and JPEG need no JavaScript off the main thread: zlib and sharp run on libuv's pool.
      if (options.compress === 'DEFLATE' || options.compress === 'NONE' || options.compress === 'JPEG')
        encoder = { size: options.threads ?? availableParallelism(), run: encodeTileAsync };
      else encoder = pool.current = new WorkerPool(options.threads ?? undefined);
    }
    const r = await writeCog(ds, options, new CogFileSink(output), encoder, onProgress);
    return { ...r, options };
  } finally {
    await pool.current?.close();
    await src.close();
  }
}
