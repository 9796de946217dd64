/**
 * Datetimes as the catalog compares them: RFC 3339 instants normalized to UTC `YYYY-MM-DDTHH:MM:SS.sssZ`, so
 * that string order is time order in every driver. Pure.
 */
import { TerraHubError } from '../core/errors.ts';
import type { TimeRange } from './model.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * Normalizes an RFC 3339 datetime to UTC ISO with milliseconds; null when not valid. A bare date
 * (`2020-01-01`, midnight UTC) is accepted only with `allowDate` (CQL2 DATE literals, STAC documents).
 */
export function normalizeInstant(s: unknown, allowDate = true): string | null {
  if (typeof s !== 'string' || !RFC3339.test(s)) return null;
  if (s.length === 10 && !allowDate) return null;
  const d = new Date(s.length === 10 ? `${s}T00:00:00Z` : s.toUpperCase());
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Parses a STAC `datetime` parameter (full RFC 3339 datetimes): an instant, `a/b`, `../b`, `a/..`, `a/`, `/b`. */
export function parseDatetimeParam(raw: string): TimeRange {
  const fail = (): never => {
    throw new TerraHubError(
      'TH_STAC_BAD_SEARCH',
      `datetime ${JSON.stringify(raw)} is not an RFC 3339 instant or interval (a/b, ../b, a/..)`,
      { parameter: 'datetime' },
    );
  };
  const parts = raw.split('/');
  if (parts.length === 1) {
    const t = normalizeInstant(raw, false) ?? fail();
    return { start: t, end: t };
  }
  if (parts.length !== 2) fail();
  const open = (s: string) => s === '' || s === '..';
  const [a, b] = parts as [string, string];
  if (open(a) && open(b)) fail();
  const start = open(a) ? null : (normalizeInstant(a, false) ?? fail());
  const end = open(b) ? null : (normalizeInstant(b, false) ?? fail());
  if (start && end && start > end) fail();
  return { start, end };
}

/** The [start, end] an item covers: its datetime, or its start_datetime/end_datetime. */
export function itemTimeRange(props: Record<string, unknown>): { start: string | null; end: string | null } {
  const dt = normalizeInstant(props['datetime']);
  if (dt) return { start: dt, end: dt };
  return { start: normalizeInstant(props['start_datetime']), end: normalizeInstant(props['end_datetime']) };
}
