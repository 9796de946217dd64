/** `terrahub cog create|validate|info`: Cloud Optimized GeoTIFFs from the command line. */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { rasterInfo, formatInfo } from '../../raster/cog/info.ts';
import { parseCogOptions } from '../../raster/cog/options.ts';
import { validateCog } from '../../raster/cog/validate.ts';
import { fileSource, httpSource, openRaster } from '../../raster/index.ts';
import { createCogFile } from '../../raster/io/create-cog.ts';
import type { TiffDataset } from '../../raster/tiff/dataset.ts';
import { CliError, EXIT } from '../context.ts';

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** Opens a local file or an http(s) URL (read by ranges), runs `fn`, closes. */
async function withRaster<T>(where: string, fn: (ds: TiffDataset) => Promise<T>): Promise<T> {
  if (isUrl(where)) return fn(await openRaster(await httpSource(where)));
  let src;
  try {
    src = await fileSource(where);
  } catch (e) {
    throw new CliError(
      `cannot open ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      EXIT.notFound,
    );
  }
  try {
    return await fn(await openRaster(src));
  } finally {
    await src.close();
  }
}

interface CreateFlags {
  compress?: string;
  blocksize?: string;
  overviewResampling?: string;
  predictor?: string;
  level?: string;
  quality?: string;
  nodata?: string;
  bigtiff?: string;
  threads?: string;
  toWebmercator?: boolean;
  warpResampling?: string;
  quiet?: boolean;
}

const WARP_RESAMPLING = ['nearest', 'bilinear', 'cubic'] as const;

function createCommand(): Command {
  return new Command('create')
    .description(
      'Convert a GeoTIFF (classic or BigTIFF, any layout) into a Cloud Optimized GeoTIFF laid out as GDAL does',
    )
    .argument('<in>', 'input GeoTIFF')
    .argument('<out>', 'output COG (replaced if it exists; written to a temporary name first)')
    .option(
      '--compress <codec>',
      'DEFLATE (default), LZW, ZSTD, WEBP (lossless, uint8 RGB/RGBA), JPEG (lossy, uint8 RGB/RGBA: YCbCr 4:2:0, alpha becomes a mask) or NONE',
    )
    .option('--blocksize <n>', 'tile size in pixels, a multiple of 16 (default 512)')
    .option('--overview-resampling <method>', 'NEAREST (default), AVERAGE, MODE or BILINEAR')
    .option('--predictor <p>', 'NO (default), YES (suits the data type), STANDARD (2) or FLOATING_POINT (3)')
    .option('--level <n>', 'compression level: DEFLATE 1-9 (default 6), ZSTD 1-22 (default 9)')
    .option('--quality <n>', 'JPEG quality, 1-100 (default 75; GDAL QUALITY)')
    .option('--nodata <value>', "nodata value to declare (a number, nan), or 'none' to drop the source's")
    .option('--bigtiff <mode>', 'IF_NEEDED (default), YES or NO')
    .option('--threads <n>', 'compression threads, or ALL_CPUS (default: all cores)')
    .option(
      '--to-webmercator',
      "reproject to EPSG:3857 on the WebMercatorQuad tile grid (GDAL's TILING_SCHEME=GoogleMapsCompatible)",
    )
    .option(
      '--warp-resampling <method>',
      'with --to-webmercator: NEAREST, BILINEAR or CUBIC (default; NEAREST if paletted)',
    )
    .option('-q, --quiet', 'no progress bar')
    .addHelpText(
      'after',
      "\nOptions are named after the creation options of GDAL's COG driver. Exit code 0 on success; on any error nothing is left at <out>.\n" +
        "--to-webmercator picks the zoom whose resolution is nearest the source's, covers whole 256 px tiles, keeps the\n" +
        "source's nodata, or adds an alpha band (zero outside the data) when it has none, as GDAL does.",
    )
    .action(async (input: string, output: string, f: CreateFlags) => {
      const opts = parseCogOptions({
        compress: f.compress,
        blockSize: f.blocksize,
        overviewResampling: f.overviewResampling,
        predictor: f.predictor,
        level: f.level,
        quality: f.quality,
        nodata: f.nodata,
        bigTiff: f.bigtiff,
        threads: f.threads,
      });
      const warp = f.warpResampling?.toLowerCase();
      if (warp !== undefined && !(WARP_RESAMPLING as readonly string[]).includes(warp))
        throw new CliError('--warp-resampling must be NEAREST, BILINEAR or CUBIC', EXIT.usage);
      if (f.toWebmercator && f.blocksize !== undefined)
        throw new CliError(
          '--to-webmercator writes 256 px tiles (one map tile each): drop --blocksize',
          EXIT.usage,
        );
      const bar =
        f.quiet || !process.stderr.isTTY
          ? null
          : new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'cog create [{bar}] {percentage}% | {value}/{total} rows | ETA {eta}s',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            );
      const started = Date.now();
      try {
        const given = {
          ...opts,
          ...(f.toWebmercator ? { toWebMercator: true } : {}),
          ...(warp ? { warpResampling: warp as (typeof WARP_RESAMPLING)[number] } : {}),
        };
        const r = await createCogFile(input, output, given, (done, total) => {
          if (bar && done <= total) {
            if (bar.getTotal() !== total) bar.start(total, 0);
            bar.update(done);
          }
        });
        bar?.stop();
        if (!f.quiet) {
          const secs = ((Date.now() - started) / 1000).toFixed(1);
          process.stderr.write(
            `${output}: ${r.bytes} bytes, ${r.levels.map(([w, h]) => `${w}x${h}`).join(' + ')}, ${r.options.compress}${r.bigTiff ? ', BigTIFF' : ''} in ${secs} s\n`,
          );
        }
      } catch (e) {
        bar?.stop();
        throw e;
      }
    });
}

function validateCommand(): Command {
  return new Command('validate')
    .description("Check a file or URL against the rules of GDAL's validate_cloud_optimized_geotiff.py")
    .argument('<file|url>', 'a local file or an http(s) URL')
    .option(
      '--full-check <mode>',
      'check block leaders, trailers and order: yes, no or auto (yes for local files)',
      'auto',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', "\nExit code 0 when valid, 1 when not (as GDAL's script).")
    .action(async (where: string, f: { fullCheck: string; json?: boolean }) => {
      const mode = f.fullCheck.toLowerCase();
      if (!['yes', 'no', 'auto'].includes(mode))
        throw new CliError('--full-check must be yes, no or auto', EXIT.usage);
      const full = mode === 'yes' || (mode === 'auto' && !isUrl(where));
      const v = await withRaster(where, (ds) => validateCog(ds, { fullCheck: full }));
      if (f.json) process.stdout.write(JSON.stringify({ file: where, ...v }, null, 2) + '\n');
      else {
        for (const w of v.warnings) process.stdout.write(` - ${w}\n`);
        if (v.valid) process.stdout.write(`${where} is a valid cloud optimized GeoTIFF\n`);
        else {
          process.stdout.write(
            `${where} is NOT a valid cloud optimized GeoTIFF.\nThe following errors were found:\n`,
          );
          for (const e of v.errors) process.stdout.write(` - ${e}\n`);
        }
      }
      if (!v.valid) throw new CliError(`${where} is not a valid cloud optimized GeoTIFF`, EXIT.failed);
    });
}

function infoCommand(): Command {
  return new Command('info')
    .description('Describe a GeoTIFF: size, CRS, bounds, bands, data type, nodata, overviews, compression')
    .argument('<file|url>', 'a local file or an http(s) URL')
    .option('--json', 'print JSON')
    .action(async (where: string, f: { json?: boolean }) => {
      const info = await withRaster(where, rasterInfo);
      process.stdout.write(f.json ? JSON.stringify(info, null, 2) + '\n' : formatInfo(info));
    });
}

export function cogCommand(): Command {
  return new Command('cog')
    .description('Cloud Optimized GeoTIFFs: create, validate, info')
    .addCommand(createCommand())
    .addCommand(validateCommand())
    .addCommand(infoCommand());
}
