/**
 * GeoJSON geometry in plain TypeScript (no I/O): validation with JSON-path errors, bounding boxes, and the
 * planar intersection test that bbox/intersects searches and CQL2's s_intersects rely on. Coordinates are
 * longitude/latitude (CRS84); the test is planar, as STAC APIs commonly compute it.
 */
import { TerraHubError } from '../core/errors.ts';
import type { Geometry, Position } from './model.ts';

type Ring = Position[];

/** The geometry as points, lines (incl. polygon rings) and polygons (outer ring first). */
interface Parts {
  points: Position[];
  lines: Position[][];
  polygons: Ring[][];
}

const TYPES = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
]);

function bad(path: string, why: string): never {
  throw new TerraHubError('TH_STAC_INVALID_GEOMETRY', `${path}: ${why}`, { path });
}

function checkPosition(p: unknown, path: string): Position {
  if (
    !Array.isArray(p) ||
    p.length < 2 ||
    p.length > 3 ||
    !p.every((n) => typeof n === 'number' && Number.isFinite(n))
  )
    bad(path, 'a position is an array of 2 or 3 finite numbers');
  const [x, y] = p as number[];
  if (x! < -180 || x! > 180) bad(path, `longitude ${x} is outside [-180, 180]`);
  if (y! < -90 || y! > 90) bad(path, `latitude ${y} is outside [-90, 90]`);
  return p as Position;
}

function checkArray(a: unknown, path: string, min: number, what: string): unknown[] {
  if (!Array.isArray(a) || a.length < min) bad(path, `${what} needs at least ${min} element(s)`);
  return a as unknown[];
}

function checkLine(a: unknown, path: string): Position[] {
  return checkArray(a, path, 2, 'a LineString').map((p, i) => checkPosition(p, `${path}[${i}]`));
}

function checkRing(a: unknown, path: string): Ring {
  const ring = checkArray(a, path, 4, 'a linear ring').map((p, i) => checkPosition(p, `${path}[${i}]`));
  const f = ring[0]!;
  const l = ring[ring.length - 1]!;
  if (f[0] !== l[0] || f[1] !== l[1]) bad(path, 'a linear ring must be closed (first position = last)');
  return ring;
}

function checkPolygon(a: unknown, path: string): Ring[] {
  return checkArray(a, path, 1, 'a Polygon').map((r, i) => checkRing(r, `${path}[${i}]`));
}

/** Throws CATALOG_INVALID_GEOMETRY naming the JSON path of the first problem; returns the geometry. */
export function validateGeometry(g: unknown, path = 'geometry'): Geometry {
  if (typeof g !== 'object' || g === null || Array.isArray(g)) bad(path, 'must be a GeoJSON geometry object');
  const geom = g as Geometry;
  if (typeof geom.type !== 'string' || !TYPES.has(geom.type))
    bad(`${path}.type`, `unknown geometry type ${JSON.stringify(geom.type)}`);
  const c = geom.coordinates;
  const cp = `${path}.coordinates`;
  switch (geom.type) {
    case 'Point':
      checkPosition(c, cp);
      break;
    case 'MultiPoint':
      checkArray(c, cp, 0, 'a MultiPoint').forEach((p, i) => checkPosition(p, `${cp}[${i}]`));
      break;
    case 'LineString':
      checkLine(c, cp);
      break;
    case 'MultiLineString':
      checkArray(c, cp, 0, 'a MultiLineString').forEach((l, i) => checkLine(l, `${cp}[${i}]`));
      break;
    case 'Polygon':
      checkPolygon(c, cp);
      break;
    case 'MultiPolygon':
      checkArray(c, cp, 0, 'a MultiPolygon').forEach((p, i) => checkPolygon(p, `${cp}[${i}]`));
      break;
    case 'GeometryCollection':
      checkArray(geom.geometries, `${path}.geometries`, 0, 'a GeometryCollection').forEach((x, i) =>
        validateGeometry(x, `${path}.geometries[${i}]`),
      );
  }
  return geom;
}

function parts(g: Geometry, out: Parts = { points: [], lines: [], polygons: [] }): Parts {
  const c = g.coordinates as never;
  switch (g.type) {
    case 'Point':
      out.points.push(c);
      break;
    case 'MultiPoint':
      out.points.push(...(c as Position[]));
      break;
    case 'LineString':
      out.lines.push(c);
      break;
    case 'MultiLineString':
      out.lines.push(...(c as Position[][]));
      break;
    case 'Polygon':
      out.polygons.push(c);
      out.lines.push(...(c as Ring[]));
      break;
    case 'MultiPolygon':
      for (const p of c as Ring[][]) {
        out.polygons.push(p);
        out.lines.push(...p);
      }
      break;
    case 'GeometryCollection':
      for (const x of g.geometries ?? []) parts(x, out);
  }
  return out;
}

/** Widens `b` to cover every position in nested coordinate arrays (no copies: bulk loads call this a lot). */
function extend(c: unknown, b: [number, number, number, number]): void {
  if (!Array.isArray(c)) return;
  if (typeof c[0] === 'number') {
    const x = c[0];
    const y = c[1] as number;
    if (x < b[0]) b[0] = x;
    if (x > b[2]) b[2] = x;
    if (y < b[1]) b[1] = y;
    if (y > b[3]) b[3] = y;
    return;
  }
  for (const x of c) extend(x, b);
}

function extendGeometry(g: Geometry, b: [number, number, number, number]): void {
  if (g.type === 'GeometryCollection') for (const x of g.geometries ?? []) extendGeometry(x, b);
  else extend(g.coordinates, b);
}

/** [minx, miny, maxx, maxy] of a geometry, or null when it has no positions. */
export function geometryBbox(g: Geometry): [number, number, number, number] | null {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  extendGeometry(g, b);
  return b[0] === Infinity ? null : b;
}

/** A 2D bbox as a Polygon. */
export function bboxPolygon(b: readonly number[]): Geometry {
  const [x0, y0, x1, y1] = b as [number, number, number, number];
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}

function orient(a: Position, b: Position, c: Position): number {
  const v = (b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(p: Position, a: Position, b: Position): boolean {
  return (
    orient(a, b, p) === 0 &&
    Math.min(a[0]!, b[0]!) <= p[0]! &&
    p[0]! <= Math.max(a[0]!, b[0]!) &&
    Math.min(a[1]!, b[1]!) <= p[1]! &&
    p[1]! <= Math.max(a[1]!, b[1]!)
  );
}

function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d);
}

/** Point in ring by ray casting (boundary points count as inside via the segment test elsewhere). */
function inRing(p: Position, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > p[1]! !== yj > p[1]! && p[0]! < ((xj - xi) * (p[1]! - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function onLine(p: Position, line: Position[]): boolean {
  for (let i = 1; i < line.length; i++) if (onSegment(p, line[i - 1]!, line[i]!)) return true;
  return false;
}

/** True when p is inside or on the boundary of the polygon (holes excluded). */
export function pointInPolygon(p: Position, poly: Ring[]): boolean {
  if (poly.some((r) => onLine(p, r))) return true;
  if (!inRing(p, poly[0]!)) return false;
  return !poly.slice(1).some((hole) => inRing(p, hole));
}

function pointTouches(p: Position, g: Parts): boolean {
  if (g.points.some((q) => q[0] === p[0] && q[1] === p[1])) return true;
  if (g.lines.some((l) => onLine(p, l))) return true;
  return g.polygons.some((poly) => pointInPolygon(p, poly));
}

function linesCross(a: Position[], b: Position[]): boolean {
  for (let i = 1; i < a.length; i++)
    for (let j = 1; j < b.length; j++) if (segmentsIntersect(a[i - 1]!, a[i]!, b[j - 1]!, b[j]!)) return true;
  return false;
}

function bboxOverlap(a: number[] | null, b: number[] | null): boolean {
  if (!a || !b) return false;
  return a[0]! <= b[2]! && b[0]! <= a[2]! && a[1]! <= b[3]! && b[1]! <= a[3]!;
}

/** Planar intersection of two geometries: do they share at least one point? */
export function intersects(a: Geometry, b: Geometry): boolean {
  if (!bboxOverlap(geometryBbox(a), geometryBbox(b))) return false;
  const pa = parts(a);
  const pb = parts(b);
  if (pa.points.some((p) => pointTouches(p, pb))) return true;
  if (pb.points.some((p) => pointTouches(p, pa))) return true;
  for (const la of pa.lines) for (const lb of pb.lines) if (linesCross(la, lb)) return true;
  // No boundary crossing: one may lie wholly inside the other.
  if (pa.lines.some((l) => pb.polygons.some((poly) => pointInPolygon(l[0]!, poly)))) return true;
  return pb.lines.some((l) => pa.polygons.some((poly) => pointInPolygon(l[0]!, poly)));
}

/** Splits a bbox that crosses the antimeridian (minx > maxx) into two; drops any z range. */
export function splitBbox(b: readonly number[]): Array<[number, number, number, number]> {
  const [x0, y0, x1, y1] = b.length === 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : [b[0]!, b[1]!, b[2]!, b[3]!];
  if (x0 > x1)
    return [
      [x0, y0, 180, y1],
      [-180, y0, x1, y1],
    ];
  return [[x0, y0, x1, y1]];
}
