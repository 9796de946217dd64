/**
 * The WGS84 footprint of a raster for STAC: its outline (pixel corners, densified along the edges) carried
 * through the CRS transformation, split in two at the antimeridian when it crosses it, as the STAC and
 * GeoJSON (RFC 7946 section 3.1.9) rules ask.
 */
import { EPSG_4326, transformer } from '../warp/crs.ts';
import type { Crs, GeoTransform } from '../types.ts';

export type Position = [number, number];
export type Footprint =
  { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };

/** Densified outline of the raster in its own CRS, counter-clockwise in a north-up image. */
function outline(gt: GeoTransform, width: number, height: number, perSide: number): Position[] {
  const px: Position[] = [];
  const edge = (x0: number, y0: number, x1: number, y1: number): void => {
    for (let i = 0; i < perSide; i++)
      px.push([x0 + ((x1 - x0) * i) / perSide, y0 + ((y1 - y0) * i) / perSide]);
  };
  edge(0, height, width, height);
  edge(width, height, width, 0);
  edge(width, 0, 0, 0);
  edge(0, 0, 0, height);
  return px.map(([x, y]) => [gt[0] + x * gt[1] + y * gt[2], gt[3] + x * gt[4] + y * gt[5]]);
}

/** Sutherland-Hodgman against the vertical line x = edge, keeping the side where keep(x) holds. */
function clip(ring: Position[], edge: number, keep: (x: number) => boolean): Position[] {
  const out: Position[] = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i] as Position;
    const b = ring[(i + 1) % ring.length] as Position;
    const ina = keep(a[0]);
    const inb = keep(b[0]);
    if (ina) out.push(a);
    if (ina !== inb) {
      const t = (edge - a[0]) / (b[0] - a[0]);
      out.push([edge, a[1] + t * (b[1] - a[1])]);
    }
  }
  return out;
}

const round = (p: Position): Position => [Math.round(p[0] * 1e9) / 1e9, Math.round(p[1] * 1e9) / 1e9];
const close = (r: Position[]): Position[] => [...r.map(round), round(r[0] as Position)];

/** Footprint and bbox in WGS84; throws UnsupportedCrsError when the CRS cannot be transformed. */
export function wgs84Footprint(
  crs: Crs,
  gt: GeoTransform,
  width: number,
  height: number,
): { geometry: Footprint; bbox: [number, number, number, number] } {
  const t = transformer(crs, EPSG_4326);
  const ring = outline(gt, width, height, 20)
    .map(([x, y]) => t(x, y))
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (ring.length < 3) throw new Error('the raster outline has no image in WGS84');
  const lats = ring.map((p) => p[1]);
  const [miny, maxy] = [Math.min(...lats), Math.max(...lats)];
  const crosses = ring.some((p, i) => Math.abs(p[0] - (ring[(i + 1) % ring.length] as Position)[0]) > 180);
  if (!crosses) {
    const lons = ring.map((p) => p[0]);
    return {
      geometry: { type: 'Polygon', coordinates: [close(ring)] },
      bbox: [Math.min(...lons), miny, Math.max(...lons), maxy],
    };
  }
  // Unwrap to 0..360 so the ring is continuous, then cut at 180 and shift the eastern part back.
  const unwrapped = ring.map(([x, y]): Position => [x < 0 ? x + 360 : x, y]);
  const west = clip(unwrapped, 180, (x) => x <= 180);
  const east = clip(unwrapped, 180, (x) => x >= 180).map(([x, y]): Position => [x - 360, y]);
  const westMin = Math.min(...west.map((p) => p[0]));
  const eastMax = Math.max(...east.map((p) => p[0]));
  return {
    geometry: { type: 'MultiPolygon', coordinates: [[close(west)], [close(east)]] },
    bbox: [westMin, miny, eastMax, maxy],
  };
}
