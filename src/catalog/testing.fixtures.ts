/** Small STAC documents for the catalog's tests (valid against the shipped schemas). */
import type { StacCollection, StacItem } from './model.ts';

export function collection(id: string, extra: Record<string, unknown> = {}): StacCollection {
  return {
    type: 'Collection',
    stac_version: '1.0.0',
    id,
    description: `test collection ${id}`,
    license: 'CC0-1.0',
    extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
    links: [],
    ...extra,
  };
}

/** A square item of side `size` degrees with its south-west corner at (x, y). */
export function item(
  id: string,
  opts: {
    x?: number;
    y?: number;
    size?: number;
    datetime?: string | null;
    props?: Record<string, unknown>;
    collection?: string;
  } = {},
): StacItem {
  const { x = 0, y = 0, size = 1 } = opts;
  const ring = [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ];
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    id,
    ...(opts.collection ? { collection: opts.collection } : {}),
    geometry: { type: 'Polygon', coordinates: [ring] },
    bbox: [x, y, x + size, y + size],
    properties: {
      datetime: opts.datetime === undefined ? '2020-01-01T00:00:00Z' : opts.datetime,
      ...opts.props,
    },
    links: [],
    assets: {},
  };
}
