/**
 * LERC blocks (compression 34887, as GDAL writes them with COMPRESS=LERC, LERC_DEFLATE or LERC_ZSTD),
 * decoded by Esri's own LERC decoder (npm `lerc`, WebAssembly), loaded on first use.
 *
 * GDAL stores a chunky block as one LERC band whose depth is the samples per pixel; the decoder hands the
 * values back depth by depth, so they are interleaved here into the pixel order the reader expects.
 * LERC's validity mask is not applied:
 * GDAL marks invalid pixels with the nodata value, which the reader handles as for any other codec.
 */
import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import * as Lerc from 'lerc';
import { TerraHubError } from '../../../core/errors.ts';
import type { ChunkLayout } from './decompress.ts';
import { zstdDecompress } from './zstd.ts';

const inflateAsync = promisify(inflate);

let loading: Promise<void> | null = null;

function corrupt(why: string): TerraHubError {
  return new TerraHubError('TH_RASTER_INVALID_TIFF', `LERC block: ${why}`);
}

export async function decodeLerc(l: ChunkLayout, data: Uint8Array, expected: number): Promise<Uint8Array> {
  // The additional compression GDAL may put around the LERC blob; the blob's size is not known ahead.
  const extra = l.lercParameters?.[1] ?? 0;
  let blob = data;
  if (extra === 1) blob = await inflateAsync(data);
  else if (extra === 2) blob = await zstdDecompress(data, expected * 2);
  else if (extra !== 0)
    throw new TerraHubError('TH_RASTER_UNSUPPORTED', `LERC additional compression ${extra}`);
  loading ??= Lerc.load();
  await loading;
  let decoded: Lerc.LercData;
  try {
    decoded = Lerc.decode(blob);
  } catch (e) {
    throw corrupt(e instanceof Error ? e.message : String(e));
  }
  if (decoded.width !== l.width || decoded.height !== l.height) {
    throw corrupt(`${decoded.width}x${decoded.height} pixels where the TIFF says ${l.width}x${l.height}`);
  }
  // Planes of a multi-band blob one after the other (GDAL writes one band of depth `samples`, so usually one).
  const out = new Uint8Array(expected);
  let at = 0;
  for (const values of decoded.pixels) {
    const plane = decoded.depthCount > 1 ? interleave(values, decoded.depthCount) : values;
    const bytes = new Uint8Array(plane.buffer, plane.byteOffset, plane.byteLength);
    if (at + bytes.length > out.length) throw corrupt('more values than the block holds');
    out.set(bytes, at);
    at += bytes.length;
  }
  if (at !== out.length) throw corrupt(`${at} bytes of values where the block holds ${out.length}`);
  return out;
}

/** Values stored depth after depth ([d0 of every pixel][d1 of every pixel]...) into pixel order. */
function interleave(values: Lerc.PixelTypedArray, depth: number): Lerc.PixelTypedArray {
  const out = values.slice();
  const n = values.length / depth;
  for (let d = 0; d < depth; d++) {
    for (let i = 0; i < n; i++) out[i * depth + d] = values[d * n + i]!;
  }
  return out;
}
