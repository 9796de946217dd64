/**
 * Coordinate transformations between a raster's CRS and a tile grid's, with definitions shipped in the
 * package (epsg.definitions.ts) or taken from the file (a PROJ string or WKT). Transformers are cached per
 * pair because building one parses the definitions.
 */
import proj4 from 'proj4';
import type { Crs } from '../types.ts';
import { epsgDefinition } from './epsg.definitions.ts';

export type PointTransform = (x: number, y: number) => [number, number];

export class UnsupportedCrsError extends Error {}

/** The PROJ definition of a CRS, or an UnsupportedCrsError naming what is missing. */
export function crsDefinition(crs: Crs): string {
  if (crs.epsg !== null) {
    const d = epsgDefinition(crs.epsg);
    if (d) return d;
  }
  if (crs.definition) return crs.definition;
  throw new UnsupportedCrsError(
    crs.epsg !== null
      ? `EPSG:${crs.epsg} is not in TerraHub's table of projections and the file carries no definition`
      : 'the raster has no usable coordinate reference system',
  );
}

/** A short key for caches: `EPSG:n` or the definition itself. */
export function crsKey(crs: Crs): string {
  return crs.epsg !== null && epsgDefinition(crs.epsg) ? `EPSG:${crs.epsg}` : (crs.definition ?? 'none');
}

export function sameCrs(a: Crs, b: Crs): boolean {
  if (a.epsg !== null && b.epsg !== null) return a.epsg === b.epsg || (isMercator(a) && isMercator(b));
  return crsKey(a) === crsKey(b);
}

function isMercator(c: Crs): boolean {
  return c.epsg === 3857 || c.epsg === 900913;
}

export const EPSG_4326: Crs = { epsg: 4326, definition: null };
export const EPSG_3857: Crs = { epsg: 3857, definition: null };

const R = 6378137;
const DEG = Math.PI / 180;

function mercatorToLonLat(x: number, y: number): [number, number] {
  return [x / R / DEG, (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) / DEG];
}

function lonLatToMercator(lon: number, lat: number): [number, number] {
  // Latitudes at the poles have no image; clamp just inside as PROJ does for merc.
  const phi = Math.max(Math.min(lat, 89.99999999), -89.99999999) * DEG;
  return [lon * DEG * R, R * Math.log(Math.tan(Math.PI / 4 + phi / 2))];
}

const cache = new Map<string, PointTransform>();

/** A function mapping (x, y) from `from` to `to`; [NaN, NaN] where the point has no image. */
export function transformer(from: Crs, to: Crs): PointTransform {
  const key = `${crsKey(from)}|${crsKey(to)}`;
  let t = cache.get(key);
  if (t) return t;
  if (sameCrs(from, to)) {
    t = (x, y) => [x, y];
  } else if (isMercator(from) || isMercator(to)) {
    // Web Mercator is spherical math on WGS 84 longitude/latitude; proj4js would route it through a datum
    // grid-shift path (+nadgrids=@null) that costs ten times more per point. Compose instead.
    const viaLonLat = sameCrs(isMercator(from) ? to : from, EPSG_4326)
      ? (x: number, y: number): [number, number] => [x, y]
      : isMercator(from)
        ? transformer(EPSG_4326, to)
        : transformer(from, EPSG_4326);
    t = isMercator(from)
      ? (x, y) => {
          const [lon, lat] = mercatorToLonLat(x, y);
          return viaLonLat(lon, lat);
        }
      : (x, y) => {
          const [lon, lat] = viaLonLat(x, y);
          return Number.isNaN(lon) ? [NaN, NaN] : lonLatToMercator(lon, lat);
        };
  } else {
    let conv: proj4.Converter;
    try {
      conv = proj4(crsDefinition(from), crsDefinition(to));
    } catch (e) {
      if (e instanceof UnsupportedCrsError) throw e;
      throw new UnsupportedCrsError(`the projection definition could not be parsed: ${(e as Error).message}`);
    }
    t = (x, y) => {
      try {
        const r = conv.forward([x, y]);
        const rx = r[0]!;
        const ry = r[1]!;
        return Number.isFinite(rx) && Number.isFinite(ry) ? [rx, ry] : [NaN, NaN];
      } catch {
        return [NaN, NaN];
      }
    };
  }
  if (cache.size > 256) cache.clear();
  cache.set(key, t);
  return t;
}

/**
 * Bounds of a rectangle of `from` in `to`, by transforming points along its edges (21 per side), which
 * catches the curvature of projected edges.
 */
export function transformBounds(
  from: Crs,
  to: Crs,
  b: [number, number, number, number],
): [number, number, number, number] {
  const t = transformer(from, to);
  let minx = Infinity;
  let miny = Infinity;
  let maxx = -Infinity;
  let maxy = -Infinity;
  const n = 20;
  for (let i = 0; i <= n; i++) {
    const fx = b[0] + ((b[2] - b[0]) * i) / n;
    const fy = b[1] + ((b[3] - b[1]) * i) / n;
    for (const [x, y] of [
      [fx, b[1]],
      [fx, b[3]],
      [b[0], fy],
      [b[2], fy],
    ] as const) {
      const [px, py] = t(x, y);
      if (Number.isNaN(px)) continue;
      minx = Math.min(minx, px);
      miny = Math.min(miny, py);
      maxx = Math.max(maxx, px);
      maxy = Math.max(maxy, py);
    }
  }
  return [minx, miny, maxx, maxy];
}
