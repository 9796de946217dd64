/** The IFDs of a COG: tags of each image and mask level, georeferencing copied from the source. */
import { nums, str, type Ifd } from '../tiff/ifd.ts';
import { Tag } from '../tiff/tags.ts';
import type { DataType, RasterDataset } from '../types.ts';
import type { CogCompression, CogPredictor } from './options.ts';
import type { IfdSpec, TagEntry } from './tiff-layout.ts';

export const COMPRESSION_CODE: Record<CogCompression, number> = {
  NONE: 1,
  DEFLATE: 8,
  LZW: 5,
  ZSTD: 50000,
  WEBP: 50001,
  JPEG: 7,
};

const REFERENCE_BLACK_WHITE = 532;

const PREDICTOR_CODE: Record<CogPredictor, number> = { NO: 1, STANDARD: 2, FLOATING_POINT: 3 };

export interface LevelLayout {
  width: number;
  height: number;
  offsets: number[];
  byteCounts: number[];
  maskOffsets: number[] | null;
  maskByteCounts: number[] | null;
}

/**
 * What the COG writer needs of its source: a TIFF dataset, or a view of one (the Web Mercator warp of
 * webmercator.ts). The first image's tags give georeferencing, photometric and extra samples.
 */
export interface CogSource {
  readonly width: number;
  readonly height: number;
  readonly bandCount: number;
  readonly dataType: DataType;
  readonly nodata: number | null;
  /** A non-null first entry: the source has a per-dataset mask, written as the COG's internal mask. */
  readonly masks: ReadonlyArray<object | null>;
  readonly images: ReadonlyArray<{ ifd: Ifd; photometric: number; extraSamples: number[] }>;
  read: RasterDataset['read'];
}

export interface CogIfdParams {
  source: CogSource;
  dataType: DataType;
  bands: number;
  blockSize: number;
  compress: CogCompression;
  predictor: CogPredictor;
  /** GDAL_NODATA text, or null for none. */
  nodataText: string | null;
  /** The JPEGTables tag (quantisation tables shared by all tiles) for JPEG, else null. */
  jpegTables: Uint8Array | null;
  big: boolean;
}

const short = (tag: number, ...values: number[]): TagEntry => ({ tag, type: 3, values });
const long = (tag: number, ...values: number[]): TagEntry => ({ tag, type: 4, values });
const dim = (tag: number, v: number): TagEntry => (v < 65536 ? short(tag, v) : long(tag, v));

function sampleFormat(dt: DataType): number {
  return dt.startsWith('float') ? 3 : dt.startsWith('int') ? 2 : 1;
}

function bitsOf(dt: DataType): number {
  return dt === 'uint8' || dt === 'int8' ? 8 : dt.endsWith('16') ? 16 : dt.endsWith('64') ? 64 : 32;
}

/** Georeferencing and GDAL metadata tags copied verbatim, so user-defined CRSs survive untouched. */
function sourceTags(src: CogSource): TagEntry[] {
  const ifd = (src.images[0] as (typeof src.images)[number]).ifd;
  const out: TagEntry[] = [];
  for (const tag of [Tag.ModelPixelScale, Tag.ModelTiepoint, Tag.ModelTransformation, Tag.GeoDoubleParams]) {
    const v = nums(ifd, tag);
    if (v) out.push({ tag, type: 12, values: v });
  }
  const keys = nums(ifd, Tag.GeoKeyDirectory);
  if (keys) out.push({ tag: Tag.GeoKeyDirectory, type: 3, values: keys });
  for (const tag of [Tag.GeoAsciiParams, Tag.GdalMetadata]) {
    const v = str(ifd, tag);
    if (v) out.push({ tag, type: 2, values: v });
  }
  return out;
}

function imageIfd(p: CogIfdParams, l: LevelLayout, overview: boolean): IfdSpec {
  const src = p.source;
  const main = src.images[0] as (typeof src.images)[number];
  const bits = bitsOf(p.dataType);
  let photometric = 1;
  if (main.photometric === 2 && p.bands >= 3) photometric = 2;
  if (main.photometric === 3 && p.bands === 1) photometric = 3;
  // JPEG tiles hold YCbCr (the encoder converts from RGB); readers convert back, as for GDAL's own.
  if (p.compress === 'JPEG') photometric = 6;
  const offType = p.big ? 16 : 4;
  const t: IfdSpec = [
    dim(Tag.ImageWidth, l.width),
    dim(Tag.ImageLength, l.height),
    short(Tag.BitsPerSample, ...Array<number>(p.bands).fill(bits)),
    short(Tag.Compression, COMPRESSION_CODE[p.compress]),
    short(Tag.Photometric, photometric),
    short(Tag.SamplesPerPixel, p.bands),
    short(Tag.PlanarConfig, 1),
    dim(Tag.TileWidth, p.blockSize),
    dim(Tag.TileLength, p.blockSize),
    { tag: Tag.TileOffsets, type: offType, values: l.offsets },
    { tag: Tag.TileByteCounts, type: offType, values: l.byteCounts },
    short(Tag.SampleFormat, ...Array<number>(p.bands).fill(sampleFormat(p.dataType))),
  ];
  // JPEG has no predictor; GDAL leaves the tag out there.
  if (p.compress !== 'JPEG') t.push(short(Tag.Predictor, PREDICTOR_CODE[p.predictor]));
  if (overview) t.push(long(Tag.NewSubfileType, 1));
  // Not when the alpha band became the mask (JPEG): then the file has fewer bands than the source.
  if (main.extraSamples.length > 0 && main.extraSamples.length < p.bands && p.bands === src.bandCount)
    t.push(short(Tag.ExtraSamples, ...main.extraSamples));
  if (p.jpegTables) {
    t.push({ tag: Tag.JPEGTables, type: 7, values: p.jpegTables });
    t.push(short(Tag.YCbCrSubSampling, 2, 2));
    // libtiff's default for YCbCr, which it writes for GDAL: [0, 255, 128, 255, 128, 255] as RATIONALs.
    t.push({ tag: REFERENCE_BLACK_WHITE, type: 5, values: [0, 1, 255, 1, 128, 1, 255, 1, 128, 1, 255, 1] });
  }
  const cmap = nums(main.ifd, Tag.ColorMap);
  if (photometric === 3 && cmap) t.push(short(Tag.ColorMap, ...cmap));
  if (p.nodataText !== null) t.push({ tag: Tag.GdalNodata, type: 2, values: p.nodataText });
  if (!overview) t.push(...sourceTags(src));
  return t;
}

function maskIfd(p: CogIfdParams, l: LevelLayout, overview: boolean): IfdSpec {
  const offType = p.big ? 16 : 4;
  return [
    long(Tag.NewSubfileType, overview ? 5 : 4),
    dim(Tag.ImageWidth, l.width),
    dim(Tag.ImageLength, l.height),
    short(Tag.BitsPerSample, 1),
    short(Tag.Compression, 8),
    short(Tag.Photometric, 4),
    short(Tag.SamplesPerPixel, 1),
    short(Tag.PlanarConfig, 1),
    short(Tag.Predictor, 1),
    dim(Tag.TileWidth, p.blockSize),
    dim(Tag.TileLength, p.blockSize),
    { tag: Tag.TileOffsets, type: offType, values: l.maskOffsets ?? [] },
    { tag: Tag.TileByteCounts, type: offType, values: l.maskByteCounts ?? [] },
    short(Tag.SampleFormat, 1),
  ];
}

/** Whether the source's last band is an alpha band (associated or unassociated, as GDAL counts it). */
export function alphaIsLast(src: Pick<CogSource, 'images'>): boolean {
  const es = src.images[0]?.extraSamples ?? [];
  const last = es[es.length - 1];
  return last === 1 || last === 2;
}

/** IFDs in GDAL's COG order: full resolution, its mask, the overviews, then the overview masks. */
export function cogIfds(p: CogIfdParams, levels: LevelLayout[]): IfdSpec[] {
  const hasMask = levels[0]?.maskOffsets != null;
  const out: IfdSpec[] = [imageIfd(p, levels[0] as LevelLayout, false)];
  if (hasMask) out.push(maskIfd(p, levels[0] as LevelLayout, false));
  for (const l of levels.slice(1)) out.push(imageIfd(p, l, true));
  if (hasMask) for (const l of levels.slice(1)) out.push(maskIfd(p, l, true));
  return out;
}
