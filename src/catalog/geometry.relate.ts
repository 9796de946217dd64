/**
 * The DE-9IM spatial predicates of CQL2 (s_touches, s_overlaps, s_crosses, s_within, s_contains, s_equals)
 * for drivers without a geometry engine. They are defined by the Dimensionally Extended 9-Intersection Model
 * (OGC Simple Features), whose boundary rules (a point on a polygon's edge touches it and is not within it;
 * two lines cross only at points; overlap needs the same dimension) are easy to get subtly wrong by hand, so
 * the intersection matrix comes from JSTS, the JavaScript port of JTS (the engine behind GEOS, hence PostGIS's
 * ST_Touches and friends): one behaviour for the sqlite and postgres drivers. Coordinates are planar
 * longitude/latitude, as everywhere in the catalog.
 */
import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js';
import type JstsBase from 'jsts/org/locationtech/jts/geom/Geometry.js';
import type IntersectionMatrix from 'jsts/org/locationtech/jts/geom/IntersectionMatrix.js';
import GeoJSONReader from 'jsts/org/locationtech/jts/io/GeoJSONReader.js';
import UnaryUnionOp from 'jsts/org/locationtech/jts/operation/union/UnaryUnionOp.js';
import RelateOp from 'jsts/org/locationtech/jts/operation/relate/RelateOp.js';
import type { Geometry } from './model.ts';

/** A JSTS geometry (its typings omit the methods every concrete subclass has). */
export type JstsGeometry = JstsBase & { isEmpty(): boolean; getDimension(): number };

/** The predicates computed here (intersects/disjoint have a faster exact test in geometry.ts). */
export const RELATE_OPS = new Set([
  's_touches',
  's_overlaps',
  's_crosses',
  's_within',
  's_contains',
  's_equals',
]);

const reader = new GeoJSONReader(new GeometryFactory());

/**
 * A JSTS geometry. JTS's relate is undefined for collections whose parts overlap, so a GeometryCollection is
 * first dissolved into the point set it stands for (a unary union), which relate then handles exactly.
 */
export function toJsts(g: Geometry): JstsGeometry {
  const j = reader.read(g) as JstsGeometry;
  return g.type === 'GeometryCollection' ? (UnaryUnionOp.union(j) as JstsGeometry) : j;
}

function matrix(a: JstsGeometry, b: JstsGeometry): IntersectionMatrix {
  return RelateOp.relate(a, b) as IntersectionMatrix;
}

/**
 * Evaluates one DE-9IM predicate. Throws (a JSTS TopologyException) only for invalid geometry such as a
 * self-intersecting ring; callers decide what that means for them.
 *
 * @example relate('s_touches', square(0, 0), square(1, 0)) // true: they share an edge and no interior
 */
export function relate(op: string, a: JstsGeometry, b: JstsGeometry): boolean {
  if (a.isEmpty() || b.isEmpty()) return false;
  const da = a.getDimension();
  const db = b.getDimension();
  switch (op) {
    case 's_touches':
      return Boolean(matrix(a, b).isTouches(da, db));
    case 's_overlaps':
      return matrix(a, b).isOverlaps(da, db);
    case 's_crosses':
      return matrix(a, b).isCrosses(da, db);
    case 's_within':
      return matrix(a, b).isWithin();
    case 's_contains':
      return matrix(a, b).isContains();
    case 's_equals':
      return matrix(a, b).isEquals(da, db);
  }
  throw new Error(`not a DE-9IM predicate: ${op}`);
}

/** The DE-9IM matrix as its 9-character string (for tests and debugging), e.g. "FF2F11212". */
export function relateMatrix(a: Geometry, b: Geometry): string {
  return String(matrix(toJsts(a), toJsts(b)).toString());
}
