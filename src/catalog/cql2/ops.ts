/**
 * CQL2 spatial and array predicates evaluated in TypeScript (drivers without a geometry engine register
 * these as SQL functions). s_touches, s_overlaps and s_crosses need a full DE-9IM engine and are refused
 * with a 400, which is why the full spatial-functions conformance class is not declared.
 */
import { bboxPolygon, geometryBbox, intersects, pointInPolygon } from '../geometry.ts';
import type { Geometry, Position } from '../model.ts';

export const SPATIAL_OPS = new Set(['s_intersects', 's_disjoint', 's_within', 's_contains', 's_equals']);

/** A geometry from its stored form: GeoJSON, or {bbox: [...]} from CQL2. */
export function toGeometry(json: string): Geometry {
  const g = JSON.parse(json) as Geometry & { bbox?: number[] };
  if (!g.type && Array.isArray(g.bbox)) {
    const b = g.bbox.length === 6 ? [g.bbox[0]!, g.bbox[1]!, g.bbox[3]!, g.bbox[4]!] : g.bbox;
    return bboxPolygon(b);
  }
  return g;
}

function vertices(g: Geometry): Position[] {
  if (g.type === 'GeometryCollection') return (g.geometries ?? []).flatMap(vertices);
  const flat = (c: unknown): Position[] =>
    Array.isArray(c) && typeof c[0] === 'number' ? [c as Position] : (c as unknown[]).flatMap(flat);
  return flat(g.coordinates);
}

function polygons(g: Geometry): Position[][][] {
  if (g.type === 'Polygon') return [g.coordinates as Position[][]];
  if (g.type === 'MultiPolygon') return g.coordinates as Position[][][];
  if (g.type === 'GeometryCollection') return (g.geometries ?? []).flatMap(polygons);
  return [];
}

/** a within b: every vertex of a lies in (or on) b; b must be areal unless a and b are equal points. */
function within(a: Geometry, b: Geometry): boolean {
  const polys = polygons(b);
  const vs = vertices(a);
  if (!polys.length) return equals(a, b);
  return vs.length > 0 && vs.every((p) => polys.some((poly) => pointInPolygon(p, poly)));
}

function equals(a: Geometry, b: Geometry): boolean {
  const key = (g: Geometry) => [...new Set(vertices(g).map((p) => `${p[0]},${p[1]}`))].sort().join(';');
  return JSON.stringify(geometryBbox(a)) === JSON.stringify(geometryBbox(b)) && key(a) === key(b);
}

export function spatial(op: string, a: Geometry, b: Geometry): boolean {
  switch (op) {
    case 's_intersects':
      return intersects(a, b);
    case 's_disjoint':
      return !intersects(a, b);
    case 's_within':
      return within(a, b);
    case 's_contains':
      return within(b, a);
    case 's_equals':
      return equals(a, b);
  }
  return false;
}

/** CQL2 array operators over JSON arrays (values compared by their JSON text). */
export function arrayOp(op: string, a: unknown[], b: unknown[]): boolean {
  const sa = new Set(a.map((x) => JSON.stringify(x)));
  const sb = new Set(b.map((x) => JSON.stringify(x)));
  switch (op) {
    case 'a_equals':
      return sa.size === sb.size && [...sa].every((x) => sb.has(x));
    case 'a_contains':
      return [...sb].every((x) => sa.has(x));
    case 'a_containedby':
      return [...sa].every((x) => sb.has(x));
    case 'a_overlaps':
      return [...sa].some((x) => sb.has(x));
  }
  return false;
}

/** CQL2 LIKE: % any run, _ one character, backslash escapes; case-sensitive. */
export function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, 's');
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Removes accents (for ACCENTI): NFD, then drop combining marks. */
export function unaccent(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '');
}
