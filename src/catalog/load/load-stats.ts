/**
 * What a bulk load wrote into a collection, gathered while its batches are prepared: the bbox and time span
 * of the items, and per property the numbers' range or the few string values. After the load they grow the
 * collection's extent and summaries, with the rules of the drivers' `summarize` (numbers as {minimum,
 * maximum}, strings listed while there are at most 20 values), without scanning the collection again. Pure.
 */
import type { ItemRow } from '../item-rows.ts';
import type { ItemStats, SeenProperty } from '../store.ts';
import { SUMMARY_SKIP } from '../store.rules.ts';

const MAX_VALUES = 20;
const MAX_PROPERTIES = 64;

export interface PropertyStats {
  /** The JSON type of the first value seen (as the properties table records it). */
  type: SeenProperty['type'];
  min: number | null;
  max: number | null;
  /** Distinct values (of a string property); null once there are more than MAX_VALUES. */
  values: Array<string | number | boolean> | null;
}

export interface LoadStats extends ItemStats {
  props: Record<string, PropertyStats>;
}

export function emptyStats(): LoadStats {
  return { count: 0, bbox: null, start: null, end: null, props: {} };
}

const lo = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);
const hi = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

function union(
  a: PropertyStats['values'],
  b: PropertyStats['values'],
): Array<string | number | boolean> | null {
  if (a === null || b === null) return null;
  const all = [...new Set([...a, ...b])];
  return all.length > MAX_VALUES ? null : all;
}

/** Adds one written item (its row for bbox and times; its properties for summaries). */
export function addItem(
  s: LoadStats,
  row: ItemRow,
  props: Record<string, unknown>,
  types: Map<string, SeenProperty['type']>,
): void {
  s.count++;
  const b = row.bbox;
  if (b)
    s.bbox = s.bbox
      ? [
          Math.min(s.bbox[0], b[0]),
          Math.min(s.bbox[1], b[1]),
          Math.max(s.bbox[2], b[2]),
          Math.max(s.bbox[3], b[3]),
        ]
      : [...b];
  s.start = lo(s.start, row.start);
  s.end = hi(s.end, row.end);
  for (const name in props) {
    if (SUMMARY_SKIP.has(name)) continue;
    const type = types.get(name);
    if (type !== 'number' && type !== 'string') continue;
    const v = props[name];
    let p = s.props[name];
    if (!p) s.props[name] = p = { type, min: null, max: null, values: [] };
    if (typeof v === 'number') {
      p.min = p.min === null || v < p.min ? v : p.min;
      p.max = p.max === null || v > p.max ? v : p.max;
    }
    if (
      p.values &&
      (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') &&
      !p.values.includes(v)
    )
      p.values = p.values.length >= MAX_VALUES ? null : [...p.values, v];
  }
}

/** The stats of two parts of a load (batches, in any order) together. */
export function mergeStats(a: LoadStats, b: LoadStats): LoadStats {
  const props: Record<string, PropertyStats> = { ...a.props };
  for (const [name, q] of Object.entries(b.props)) {
    const p = props[name];
    props[name] = p
      ? {
          type: p.type,
          min: p.min === null ? q.min : q.min === null ? p.min : Math.min(p.min, q.min),
          max: p.max === null ? q.max : q.max === null ? p.max : Math.max(p.max, q.max),
          values: union(p.values, q.values),
        }
      : q;
  }
  const bb =
    a.bbox && b.bbox
      ? ([
          Math.min(a.bbox[0], b.bbox[0]),
          Math.min(a.bbox[1], b.bbox[1]),
          Math.max(a.bbox[2], b.bbox[2]),
          Math.max(a.bbox[3], b.bbox[3]),
        ] as [number, number, number, number])
      : (a.bbox ?? b.bbox);
  return { count: a.count + b.count, bbox: bb, start: lo(a.start, b.start), end: hi(a.end, b.end), props };
}

/**
 * The collection's summaries grown by a load: a number's range widened to cover the loaded values, a string's
 * list joined with the loaded values while they stay at most 20 (else the summary is left as it was).
 */
export function grownSummaries(
  s: LoadStats,
  existing: Record<string, unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(s.props).sort().slice(0, MAX_PROPERTIES)) {
    const p = s.props[name]!;
    const cur = existing[name];
    if (p.type === 'number' && p.min !== null && p.max !== null) {
      const r = cur as { minimum?: unknown; maximum?: unknown } | undefined;
      const min = typeof r?.minimum === 'number' ? Math.min(r.minimum, p.min) : p.min;
      const max = typeof r?.maximum === 'number' ? Math.max(r.maximum, p.max) : p.max;
      out[name] = { minimum: min, maximum: max };
    } else if (p.type === 'string' && p.values) {
      const values = union(Array.isArray(cur) ? (cur as Array<string | number | boolean>) : [], p.values);
      if (values) out[name] = values.sort();
    }
  }
  return out;
}
