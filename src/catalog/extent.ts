/**
 * Growing a collection's extent and summaries to cover its items (used after ingest). The first spatial
 * bbox and the first temporal interval are the overall extent, as STAC requires; they only ever grow. Pure.
 */
import type { StacCollection } from './model.ts';
import type { ItemStats } from './store.ts';
import { normalizeInstant } from './time.ts';

export function growExtent(
  c: StacCollection,
  stats: ItemStats,
  summaries: Record<string, unknown>,
): StacCollection {
  const out = structuredClone(c);
  const bboxes = out.extent?.spatial?.bbox ?? [];
  if (stats.bbox) {
    const cur = bboxes[0];
    const b = stats.bbox;
    bboxes[0] =
      cur && cur.length >= 4
        ? [Math.min(cur[0]!, b[0]), Math.min(cur[1]!, b[1]), Math.max(cur[2]!, b[2]), Math.max(cur[3]!, b[3])]
        : [...b];
  }
  const intervals = out.extent?.temporal?.interval ?? [];
  if (stats.start || stats.end) {
    const cur = intervals[0];
    const min = (a: string | null | undefined, b: string | null) => (a && b ? (a < b ? a : b) : (a ?? b));
    const max = (a: string | null | undefined, b: string | null) => (a && b ? (a > b ? a : b) : (a ?? b));
    // An open end (null) stays open.
    intervals[0] = cur
      ? [
          cur[0] === null ? null : min(normalizeInstant(cur[0]), stats.start),
          cur[1] === null ? null : max(normalizeInstant(cur[1]), stats.end),
        ]
      : [stats.start, stats.end];
  }
  out.extent = { spatial: { bbox: bboxes }, temporal: { interval: intervals } };
  if (Object.keys(summaries).length) out.summaries = { ...(out.summaries ?? {}), ...summaries };
  return out;
}
