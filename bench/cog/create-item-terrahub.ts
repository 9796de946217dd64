/**
 * `stac create-item` throughput, in-process: opens each COG, makes its STAC item (footprint, proj, raster
 * statistics, eo, as the command does), closes it; `rounds` times over the files. Prints items/s as JSON.
 * Usage: npx tsx bench/cog/create-item-terrahub.ts ROUNDS FILE...
 */
import { basename } from 'node:path';
import { fileSource, openRaster } from '../../src/raster/index.ts';
import { createStacItem } from '../../src/raster/cog/stac-item.ts';

const [rounds, ...files] = process.argv.slice(2);
let items = 0;
const t0 = performance.now();
for (let r = 0; r < Number(rounds); r++) {
  for (const f of files) {
    const src = await fileSource(f);
    try {
      await createStacItem(await openRaster(src), {
        id: basename(f),
        href: f,
        datetime: '2024-01-01T00:00:00Z',
      });
      items++;
    } finally {
      await src.close();
    }
  }
}
const s = (performance.now() - t0) / 1000;
process.stdout.write(
  JSON.stringify({ tool: 'terrahub', items, seconds: s, itemsPerSecond: items / s }) + '\n',
);
