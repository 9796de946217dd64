/**
 * GeoJSON geometry text to PostGIS EWKT (SRID 4326, two dimensions), so that COPY loads geometries as the
 * geometry type's own text input: no per-row function call. A third coordinate is dropped, as ST_Force2D
 * did. The geometry was validated before (validateGeometry); numbers print in JavaScript's shortest
 * round-trip form, which PostGIS reads back to the same doubles.
 */
import type { Geometry, Position } from '../model.ts';

const pos = (p: Position) => `${p[0]} ${p[1]}`;
const list = (ps: Position[]) => `(${ps.map(pos).join(',')})`;
const rings = (rs: Position[][]) => `(${rs.map(list).join(',')})`;

function wkt(g: Geometry): string {
  const c = g.coordinates as never;
  switch (g.type) {
    case 'Point':
      return `POINT(${pos(c)})`;
    case 'MultiPoint':
      return (c as Position[]).length
        ? `MULTIPOINT(${(c as Position[]).map((p) => `(${pos(p)})`).join(',')})`
        : 'MULTIPOINT EMPTY';
    case 'LineString':
      return `LINESTRING${list(c)}`;
    case 'MultiLineString':
      return (c as Position[][]).length ? `MULTILINESTRING${rings(c)}` : 'MULTILINESTRING EMPTY';
    case 'Polygon':
      return `POLYGON${rings(c)}`;
    case 'MultiPolygon':
      return (c as Position[][][]).length
        ? `MULTIPOLYGON(${(c as Position[][][]).map(rings).join(',')})`
        : 'MULTIPOLYGON EMPTY';
    default: {
      const parts = (g.geometries ?? []).map(wkt);
      return parts.length ? `GEOMETRYCOLLECTION(${parts.join(',')})` : 'GEOMETRYCOLLECTION EMPTY';
    }
  }
}

export function geoJsonToEwkt(geojson: string): string {
  return `SRID=4326;${wkt(JSON.parse(geojson) as Geometry)}`;
}
