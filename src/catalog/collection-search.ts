/**
 * Collection Search over the collections a caller may read (few enough to filter in memory): free text `q`
 * (id, title, description, keywords), `bbox` against the spatial extent, `datetime` against the temporal
 * extent, `limit`, and paging by collection id. Pure.
 */
import { TerraHubError } from '../core/errors.ts';
import { splitBbox } from './geometry.ts';
import type { StacCollection } from './model.ts';
import { parseBbox } from './search.parse.ts';
import { parseDatetimeParam } from './time.ts';

export interface CollectionPage {
  collections: StacCollection[];
  numberMatched: number;
  /** Id after which the next page starts, or null. */
  next: string | null;
}

export const DEFAULT_COLLECTION_LIMIT = 100;

export function searchCollections(all: StacCollection[], params: Record<string, unknown>): CollectionPage {
  let out = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const q = params['q'];
  if (typeof q === 'string' && q.trim()) {
    const terms = q
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    out = out.filter((c) => {
      const text = [c.id, c.title ?? '', c.description, ...((c['keywords'] as string[] | undefined) ?? [])]
        .join(' ')
        .toLowerCase();
      return terms.some((t) => text.includes(t));
    });
  }
  if (params['bbox'] !== undefined && params['bbox'] !== '') {
    const raw = params['bbox'];
    const boxes = splitBbox(parseBbox(typeof raw === 'string' ? raw.split(',').map(Number) : raw));
    out = out.filter((c) =>
      (c.extent?.spatial?.bbox ?? []).some((b) =>
        boxes.some((q2) =>
          splitBbox(b).some((e) => e[0] <= q2[2] && q2[0] <= e[2] && e[1] <= q2[3] && q2[1] <= e[3]),
        ),
      ),
    );
  }
  if (typeof params['datetime'] === 'string' && params['datetime']) {
    const t = parseDatetimeParam(params['datetime']);
    out = out.filter((c) =>
      (c.extent?.temporal?.interval ?? []).some(([s, e]) => {
        const start = s ? new Date(s).toISOString() : null;
        const end = e ? new Date(e).toISOString() : null;
        return (!t.end || !start || start <= t.end) && (!t.start || !end || end >= t.start);
      }),
    );
  }
  const numberMatched = out.length;
  const token = params['token'];
  if (typeof token === 'string' && token) out = out.filter((c) => c.id > token);
  const rawLimit = params['limit'];
  let limit = DEFAULT_COLLECTION_LIMIT;
  if (rawLimit !== undefined && rawLimit !== '') {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new TerraHubError('TH_STAC_BAD_SEARCH', 'limit: must be a positive integer', {
        parameter: 'limit',
      });
    limit = Math.min(limit, 10_000);
  }
  const page = out.slice(0, limit);
  return { collections: page, numberMatched, next: out.length > limit ? page[page.length - 1]!.id : null };
}
