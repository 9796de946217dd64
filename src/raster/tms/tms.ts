/**
 * OGC Two Dimensional Tile Matrix Set (OGC 17-083r4, TMS 2.0) for the tile grids the data API serves.
 * Pure math: a tile's bounds in the set's CRS, and the set as the OGC JSON document.
 *
 * Tile bounds do not depend on the rendered size: a 512 px tile (`@2x` or `tilesize=512`) covers the same
 * ground as a 256 px one, at twice the resolution, as TiTiler and MapLibre expect.
 */

export interface TileMatrix {
  id: string;
  scaleDenominator: number;
  /** Ground size of one pixel of a 256 px tile, in CRS units. */
  cellSize: number;
  /** Top-left corner, in CRS axis order x (easting/longitude), y (northing/latitude). */
  pointOfOrigin: [number, number];
  tileWidth: number;
  tileHeight: number;
  matrixWidth: number;
  matrixHeight: number;
}

export interface TileMatrixSet {
  id: string;
  title: string;
  /** EPSG code of the set's CRS (4326 for the CRS84 set, with longitude first). */
  epsg: number;
  crsUri: string;
  /** Whole extent [minx, miny, maxx, maxy] in CRS units. */
  bounds: [number, number, number, number];
  matrices: TileMatrix[];
}

export type Bounds = [number, number, number, number];

/** Size of a metre-per-unit "standardized rendering pixel" (0.28 mm), per OGC. */
const PIXEL_SIZE_M = 0.00028;
const METRES_PER_DEGREE = (2 * Math.PI * 6378137) / 360;
const MERC_MAX = Math.PI * 6378137;

function quadMatrices(
  zoomCount: number,
  cellSize0: number,
  origin: [number, number],
  width0: number,
  height0: number,
  metresPerUnit: number,
): TileMatrix[] {
  const out: TileMatrix[] = [];
  for (let z = 0; z < zoomCount; z++) {
    const cellSize = cellSize0 / 2 ** z;
    out.push({
      id: String(z),
      scaleDenominator: (cellSize * metresPerUnit) / PIXEL_SIZE_M,
      cellSize,
      pointOfOrigin: origin,
      tileWidth: 256,
      tileHeight: 256,
      matrixWidth: width0 * 2 ** z,
      matrixHeight: height0 * 2 ** z,
    });
  }
  return out;
}

export const WebMercatorQuad: TileMatrixSet = {
  id: 'WebMercatorQuad',
  title: 'Google Maps Compatible for the World',
  epsg: 3857,
  crsUri: 'http://www.opengis.net/def/crs/EPSG/0/3857',
  bounds: [-MERC_MAX, -MERC_MAX, MERC_MAX, MERC_MAX],
  matrices: quadMatrices(25, (2 * MERC_MAX) / 256, [-MERC_MAX, MERC_MAX], 1, 1, 1),
};

export const WorldCRS84Quad: TileMatrixSet = {
  id: 'WorldCRS84Quad',
  title: 'CRS84 for the World',
  epsg: 4326,
  crsUri: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
  bounds: [-180, -90, 180, 90],
  matrices: quadMatrices(18, 180 / 256, [-180, 90], 2, 1, METRES_PER_DEGREE),
};

export const TILE_MATRIX_SETS: Record<string, TileMatrixSet> = {
  WebMercatorQuad,
  WorldCRS84Quad,
};

export function getTms(id: string): TileMatrixSet | undefined {
  return Object.prototype.hasOwnProperty.call(TILE_MATRIX_SETS, id) ? TILE_MATRIX_SETS[id] : undefined;
}

/** True when (z, x, y) names a tile of the set. */
export function isValidTile(tms: TileMatrixSet, z: number, x: number, y: number): boolean {
  const m = tms.matrices[z];
  return (
    m !== undefined &&
    Number.isInteger(x) &&
    Number.isInteger(y) &&
    x >= 0 &&
    y >= 0 &&
    x < m.matrixWidth &&
    y < m.matrixHeight
  );
}

/** Bounds [minx, miny, maxx, maxy] of tile (z, x, y) in the set's CRS; y counts down from the top. */
export function tileBounds(tms: TileMatrixSet, z: number, x: number, y: number): Bounds {
  const m = tms.matrices[z];
  if (!m) throw new RangeError(`zoom ${z} is not in ${tms.id}`);
  const span = m.cellSize * m.tileWidth;
  const spanY = m.cellSize * m.tileHeight;
  const [ox, oy] = m.pointOfOrigin;
  return [ox + x * span, oy - (y + 1) * spanY, ox + (x + 1) * span, oy - y * spanY];
}

/** Tiles [minX, minY, maxX, maxY] (inclusive) of zoom z that intersect `bounds` (in the set's CRS). */
export function tileRange(tms: TileMatrixSet, z: number, bounds: Bounds): Bounds | null {
  const m = tms.matrices[z];
  if (!m) return null;
  const span = m.cellSize * m.tileWidth;
  const spanY = m.cellSize * m.tileHeight;
  const [ox, oy] = m.pointOfOrigin;
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const eps = 1e-9;
  const minX = clamp(Math.floor((bounds[0] - ox) / span + eps), m.matrixWidth - 1);
  const maxX = clamp(Math.ceil((bounds[2] - ox) / span - eps) - 1, m.matrixWidth - 1);
  const minY = clamp(Math.floor((oy - bounds[3]) / spanY + eps), m.matrixHeight - 1);
  const maxY = clamp(Math.ceil((oy - bounds[1]) / spanY - eps) - 1, m.matrixHeight - 1);
  if (maxX < minX || maxY < minY) return null;
  return [minX, minY, maxX, maxY];
}

/**
 * The zoom whose 256 px cell size is the closest finer-or-equal match to `resolution` (CRS units per pixel):
 * the zoom at which the data shows at its native detail.
 */
export function zoomForResolution(tms: TileMatrixSet, resolution: number): number {
  for (let z = 0; z < tms.matrices.length; z++) {
    if (tms.matrices[z]!.cellSize <= resolution * 1.0001) return z;
  }
  return tms.matrices.length - 1;
}

/** The set as an OGC TMS 2.0 JSON document. */
export function tmsDocument(tms: TileMatrixSet): Record<string, unknown> {
  return {
    id: tms.id,
    title: tms.title,
    uri: `http://www.opengis.net/def/tilematrixset/OGC/1.0/${tms.id}`,
    crs: tms.crsUri,
    orderedAxes: tms.epsg === 3857 ? ['X', 'Y'] : ['Lon', 'Lat'],
    tileMatrices: tms.matrices.map((m) => ({
      id: m.id,
      scaleDenominator: m.scaleDenominator,
      cellSize: m.cellSize,
      cornerOfOrigin: 'topLeft',
      pointOfOrigin: m.pointOfOrigin,
      tileWidth: m.tileWidth,
      tileHeight: m.tileHeight,
      matrixWidth: m.matrixWidth,
      matrixHeight: m.matrixHeight,
    })),
  };
}
