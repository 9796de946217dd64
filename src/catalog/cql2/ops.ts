/**
 * CQL2 spatial and array predicates evaluated in TypeScript (drivers without a geometry engine register
 * these as SQL functions). s_intersects and s_disjoint use the fast exact test of geometry.ts; the other
 * spatial functions are DE-9IM predicates computed by geometry.relate.ts.
 */
import { bboxPolygon, intersects } from '../geometry.ts';
import { RELATE_OPS, relate, toJsts } from '../geometry.relate.ts';
import type { Geometry } from '../model.ts';

/** Every CQL2 spatial function: the basic class (s_intersects) and the full class. */
export const SPATIAL_OPS = new Set(['s_intersects', 's_disjoint', ...RELATE_OPS]);

/** Spatial functions that can only be true where the two geometries' bounding boxes meet. */
export const NEEDS_INTERSECTION = new Set(['s_intersects', ...RELATE_OPS]);

/** The spatial function with its arguments swapped: s_within(a, b) is s_contains(b, a). */
export function converse(op: string): string {
  return op === 's_within' ? 's_contains' : op === 's_contains' ? 's_within' : op;
}

/** A geometry from its stored form: GeoJSON, or {bbox: [...]} from CQL2. */
export function toGeometry(json: string): Geometry {
  const g = JSON.parse(json) as Geometry & { bbox?: number[] };
  if (!g.type && Array.isArray(g.bbox)) {
    const b = g.bbox.length === 6 ? [g.bbox[0]!, g.bbox[1]!, g.bbox[3]!, g.bbox[4]!] : g.bbox;
    return bboxPolygon(b);
  }
  return g;
}

/**
 * A spatial function with its second argument fixed (a query's literal, converted once), ready to test many
 * rows. A row geometry that JTS finds invalid (a self-intersecting ring, say) has no defined DE-9IM relation:
 * it matches no DE-9IM predicate instead of failing the whole search.
 */
export function spatialTest(op: string, b: Geometry): (a: Geometry) => boolean {
  switch (op) {
    case 's_intersects':
      return (a) => intersects(a, b);
    case 's_disjoint':
      return (a) => !intersects(a, b);
  }
  if (!RELATE_OPS.has(op)) throw new Error(`not a spatial function: ${op}`);
  const jb = toJsts(b);
  return (a) => {
    try {
      return relate(op, toJsts(a), jb);
    } catch {
      return false;
    }
  };
}

/** One spatial function over two geometries, e.g. spatial('s_touches', a, b). */
export function spatial(op: string, a: Geometry, b: Geometry): boolean {
  return spatialTest(op, b)(a);
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
