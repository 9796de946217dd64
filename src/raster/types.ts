/**
 * The raster domain's narrow interfaces. Pure: byte sources in, typed pixels out; no network or disk here.
 * The COG reader implements `RasterDataset`; the data API (src/tiler) and `stac create-item` consume it;
 * storage adapts an object to a `ByteSource`.
 */

/** Random-access bytes: a file, an object in storage, an HTTP URL. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads `length` bytes at `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** A stable identity for caches (e.g. `s3://bucket/key#etag`). */
  readonly id: string;
}

export type DataType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type PixelArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** A coordinate reference system: an EPSG code when known, else a PROJ string or WKT from the file. */
export interface Crs {
  epsg: number | null;
  /** PROJ.4 string or WKT, when the CRS is user-defined or the EPSG code is not in the shipped table. */
  definition: string | null;
}

/** GDAL-style affine geotransform: [originX, pixelWidth, rotX, originY, rotY, pixelHeight(negative)]. */
export type GeoTransform = [number, number, number, number, number, number];

/** One resolution level: 0 is full resolution, then overviews in decreasing size. */
export interface RasterLevel {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
}

export interface BandInfo {
  description: string | null;
  nodata: number | null;
  scale: number | null;
  offset: number | null;
  /** GDAL color interpretation where known: red, green, blue, alpha, gray, undefined. */
  colorInterp: string | null;
}

export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RasterDataset {
  readonly width: number;
  readonly height: number;
  readonly bandCount: number;
  readonly dataType: DataType;
  readonly crs: Crs | null;
  readonly geoTransform: GeoTransform | null;
  readonly bands: BandInfo[];
  /** levels[0] is full resolution. */
  readonly levels: RasterLevel[];
  /** Per-dataset mask (GDAL internal mask or alpha band) available. */
  readonly hasMask: boolean;
  /**
   * Reads a window of one level, band-separate (one array per requested band, row-major, width*height).
   * `bands` are 1-based band indexes (default all). Pixels outside the raster are filled with nodata or 0.
   * `mask`, when asked for, is 255 where valid and 0 where not (nodata, mask band, alpha).
   */
  read(opts: {
    level: number;
    window: Window;
    bands?: number[];
    mask?: boolean;
  }): Promise<{ data: PixelArray[]; mask: Uint8Array | null }>;
}
