/** `terrahub stac create-item <cog>`: a STAC item for one COG, printed as JSON (or written to --output). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Command } from 'commander';
import { createStacItem, datetimeFromFilename, tiffDatetime } from '../../raster/cog/stac-item.ts';
import { fileSource, httpSource, openRaster } from '../../raster/index.ts';
import { CliError, EXIT } from '../context.ts';

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

interface Flags {
  collection?: string;
  datetime?: string;
  datetimeFromFilename?: string;
  id?: string;
  href?: string;
  assetKey?: string;
  output?: string;
  checksum: boolean;
}

export function stacCreateItemCommand(): Command {
  return new Command('create-item')
    .description(
      'Describe a COG as a STAC 1.0 item (WGS84 footprint; projection, raster, eo and file extensions)',
    )
    .argument('<cog>', 'a local GeoTIFF/COG, or an http(s) URL')
    .option('--collection <id>', 'collection id to set on the item')
    .option('--datetime <iso>', 'acquisition time, ISO 8601 (default: the TIFF DateTime tag, else now)')
    .option(
      '--datetime-from-filename <pattern>',
      'take the time from the file name, e.g. %Y%m%d or %Y-%m-%dT%H%M%S (%Y %m %d %H %M %S %j)',
    )
    .option('--id <id>', 'item id (default: the file name without extension)')
    .option('--href <href>', 'asset href (default: the path or URL as given)')
    .option('--asset-key <key>', 'asset key (default: data)')
    .option('-o, --output <file>', 'write the item there instead of standard output')
    .option('--no-checksum', 'skip file:checksum (it reads the whole file once)')
    .action(async (where: string, f: Flags) => {
      if (f.datetime && f.datetimeFromFilename)
        throw new CliError('give --datetime or --datetime-from-filename, not both', EXIT.usage);
      const name = basename(where.replace(/[?#].*$/, ''));
      let datetime = f.datetime ?? null;
      if (datetime !== null && Number.isNaN(Date.parse(datetime)))
        throw new CliError(`--datetime "${datetime}" is not an ISO 8601 time`, EXIT.usage);
      if (datetime !== null) datetime = new Date(datetime).toISOString().replace('.000Z', 'Z');
      if (f.datetimeFromFilename) {
        datetime = datetimeFromFilename(name, f.datetimeFromFilename);
        if (!datetime)
          throw new CliError(
            `no date matching "${f.datetimeFromFilename}" in the file name "${name}"`,
            EXIT.usage,
          );
      }
      const remote = /^https?:\/\//i.test(where);
      let src;
      try {
        src = remote ? await httpSource(where) : await fileSource(where);
      } catch (e) {
        if (remote) throw e;
        throw new CliError(
          `cannot open ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          EXIT.notFound,
        );
      }
      try {
        const ds = await openRaster(src);
        const sha256 = !remote && f.checksum ? await sha256File(where) : null;
        let item;
        try {
          item = await createStacItem(ds, {
            id: f.id ?? basename(name, extname(name)),
            href: f.href ?? where,
            collection: f.collection,
            datetime: datetime ?? tiffDatetime(ds) ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            file: sha256 ? { size: src.size, sha256 } : undefined,
            assetKey: f.assetKey,
          });
        } catch (e) {
          throw new CliError(`${where}: ${(e as Error).message}`, EXIT.failed);
        }
        const text = JSON.stringify(item, null, 2) + '\n';
        if (f.output) await writeFile(f.output, text);
        else process.stdout.write(text);
      } finally {
        await (src as { close?: () => Promise<void> }).close?.();
      }
    });
}
