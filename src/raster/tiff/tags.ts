/**
 * TIFF and GeoTIFF tag numbers, field types and compression codes (TIFF 6.0, BigTIFF, GeoTIFF 1.1 and the
 * private tags GDAL writes). Names follow libtiff's so that they can be looked up there.
 */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfig: 284,
  Software: 305,
  DateTime: 306,
  Predictor: 317,
  ColorMap: 320,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGTables: 347,
  YCbCrSubSampling: 530,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNodata: 42113,
  LercParameters: 50674,
} as const;

/** Field type -> size in bytes of one value. */
export const TYPE_SIZE: Record<number, number> = {
  1: 1, // BYTE
  2: 1, // ASCII
  3: 2, // SHORT
  4: 4, // LONG
  5: 8, // RATIONAL
  6: 1, // SBYTE
  7: 1, // UNDEFINED
  8: 2, // SSHORT
  9: 4, // SLONG
  10: 8, // SRATIONAL
  11: 4, // FLOAT
  12: 8, // DOUBLE
  13: 4, // IFD
  16: 8, // LONG8
  17: 8, // SLONG8
  18: 8, // IFD8
};

export const FieldType = {
  BYTE: 1,
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  UNDEFINED: 7,
  DOUBLE: 12,
  LONG8: 16,
} as const;

export const Compression = {
  None: 1,
  LZW: 5,
  OJPEG: 6,
  JPEG: 7,
  AdobeDeflate: 8,
  PackBits: 32773,
  Deflate: 32946,
  LERC: 34887,
  JPEG2000: 34712,
  ZSTD: 50000,
  WebP: 50001,
} as const;

export const Photometric = {
  MinIsWhite: 0,
  MinIsBlack: 1,
  RGB: 2,
  Palette: 3,
  Mask: 4,
  YCbCr: 6,
} as const;

/** NewSubfileType bits. */
export const SubfileType = { ReducedImage: 1, Mask: 4 } as const;

/** GeoKey ids used here (GeoTIFF 1.1). */
export const GeoKey = {
  GTModelType: 1024,
  GTRasterType: 1025,
  GTCitation: 1026,
  GeographicType: 2048,
  GeogCitation: 2049,
  ProjectedCSType: 3072,
  PCSCitation: 3073,
  VerticalCSType: 4096,
} as const;

export const COMPRESSION_NAMES: Record<number, string> = {
  1: 'NONE',
  5: 'LZW',
  6: 'OJPEG',
  7: 'JPEG',
  8: 'DEFLATE',
  32773: 'PACKBITS',
  32946: 'DEFLATE',
  34887: 'LERC',
  34712: 'JPEG2000',
  50000: 'ZSTD',
  50001: 'WEBP',
};
