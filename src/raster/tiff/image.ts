/** One TIFF image (an IFD with pixels): its geometry, sample layout and where its chunks are. */
import { TerraHubError } from '../../core/errors.ts';
import type { DataType } from '../types.ts';
import type { ChunkLayout } from './codecs/decompress.ts';
import { bytes, type Ifd, invalidTiff, num, nums } from './ifd.ts';
import { Compression, Photometric, SubfileType, Tag } from './tags.ts';

export interface TiffImage {
  ifd: Ifd;
  width: number;
  height: number;
  /** Chunk size: the tile, or for strips the full width by RowsPerStrip. */
  chunkWidth: number;
  chunkHeight: number;
  tiled: boolean;
  samples: number;
  bitsPerSample: number;
  sampleFormat: number;
  /** 1 = chunky (pixel interleaved), 2 = planar (band separate). */
  planar: number;
  compression: number;
  predictor: number;
  photometric: number;
  subfileType: number;
  extraSamples: number[];
  offsets: number[];
  byteCounts: number[];
  chunksAcross: number;
  chunksDown: number;
  jpegTables: Uint8Array | null;
  /** LercParameters: [LERC version, additional compression (0 none, 1 deflate, 2 zstd)]. */
  lercParameters: number[] | null;
}

export function describeImage(ifd: Ifd): TiffImage {
  const width = num(ifd, Tag.ImageWidth);
  const height = num(ifd, Tag.ImageLength);
  const tiled = ifd.tags.has(Tag.TileWidth);
  const chunkWidth = tiled ? num(ifd, Tag.TileWidth) : width;
  const chunkHeight = tiled ? num(ifd, Tag.TileLength) : Math.min(num(ifd, Tag.RowsPerStrip, height), height);
  const samples = num(ifd, Tag.SamplesPerPixel, 1);
  const bpsAll = nums(ifd, Tag.BitsPerSample) ?? [1];
  const bitsPerSample = bpsAll[0] as number;
  if (bpsAll.some((b) => b !== bitsPerSample)) throw unsupported('bands with different bit depths');
  const offsets = nums(ifd, tiled ? Tag.TileOffsets : Tag.StripOffsets);
  const byteCounts = nums(ifd, tiled ? Tag.TileByteCounts : Tag.StripByteCounts);
  if (!offsets || !byteCounts) throw invalidTiff(`IFD at ${ifd.offset} has no strip or tile offsets`);
  if (width <= 0 || height <= 0 || chunkWidth <= 0 || chunkHeight <= 0)
    throw invalidTiff('zero image or tile size');
  const planar = num(ifd, Tag.PlanarConfig, 1);
  const chunksAcross = Math.ceil(width / chunkWidth);
  const chunksDown = Math.ceil(height / chunkHeight);
  const expected = chunksAcross * chunksDown * (planar === 2 ? samples : 1);
  if (offsets.length < expected || byteCounts.length < expected) {
    throw invalidTiff(`IFD at ${ifd.offset} lists ${offsets.length} chunks, expected ${expected}`);
  }
  return {
    ifd,
    width,
    height,
    chunkWidth,
    chunkHeight,
    tiled,
    samples,
    bitsPerSample,
    sampleFormat: num(ifd, Tag.SampleFormat, 1),
    planar,
    compression: num(ifd, Tag.Compression, Compression.None),
    predictor: num(ifd, Tag.Predictor, 1),
    photometric: num(ifd, Tag.Photometric, Photometric.MinIsBlack),
    subfileType: num(ifd, Tag.NewSubfileType, 0),
    extraSamples: nums(ifd, Tag.ExtraSamples) ?? [],
    offsets,
    byteCounts,
    chunksAcross,
    chunksDown,
    jpegTables: bytes(ifd, Tag.JPEGTables),
    lercParameters: nums(ifd, Tag.LercParameters) ?? null,
  };
}

function unsupported(what: string): TerraHubError {
  return new TerraHubError('TH_RASTER_UNSUPPORTED', `Unsupported TIFF feature: ${what}`);
}

export function isMask(img: TiffImage): boolean {
  return (img.subfileType & SubfileType.Mask) !== 0;
}

export function isOverview(img: TiffImage): boolean {
  return (img.subfileType & SubfileType.ReducedImage) !== 0 && !isMask(img);
}

export function dataTypeOf(img: TiffImage): DataType {
  const { bitsPerSample: b, sampleFormat: f } = img;
  if (f === 3 && b === 32) return 'float32';
  if (f === 3 && b === 64) return 'float64';
  if (f === 2 && b === 8) return 'int8';
  if (f === 2 && b === 16) return 'int16';
  if (f === 2 && b === 32) return 'int32';
  if (f !== 3 && b === 8) return 'uint8';
  if (f !== 3 && b === 16) return 'uint16';
  if (f !== 3 && b === 32) return 'uint32';
  throw unsupported(`${b}-bit samples of format ${f}`);
}

/** The layout needed to decode chunk `index` (rows of the last strip may be fewer). */
export function chunkLayout(img: TiffImage, index: number, littleEndian: boolean): ChunkLayout {
  const row = Math.floor((index % (img.chunksAcross * img.chunksDown)) / img.chunksAcross);
  const rows = img.tiled ? img.chunkHeight : Math.min(img.chunkHeight, img.height - row * img.chunkHeight);
  return {
    compression: img.compression,
    predictor: img.predictor,
    photometric: img.photometric,
    littleEndian,
    width: img.chunkWidth,
    height: rows,
    samples: img.planar === 2 ? 1 : img.samples,
    bitsPerSample: img.bitsPerSample,
    float: img.sampleFormat === 3,
    jpegTables: img.jpegTables,
    lercParameters: img.lercParameters,
  };
}
