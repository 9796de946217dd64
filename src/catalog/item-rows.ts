/**
 * An item as both drivers store it: the JSON texts (document, properties, geometry), its ETag, normalized
 * times and bounding box, all computed once from the checked item. Bulk loading computes rows in worker
 * threads, so that a driver's write only moves these values into the database. Pure (no I/O).
 */
import { geometryBbox } from './geometry.ts';
import type { StacItem } from './model.ts';
import { etagOf } from './store.rules.ts';
import type { SeenProperty } from './store.ts';
import { itemTimeRange } from './time.ts';

export interface ItemRow {
  id: string;
  /** Normalized instants: `datetime` (start = end), or start_datetime/end_datetime. */
  start: string | null;
  end: string | null;
  /** The geometry as GeoJSON text; null for items without one. */
  geometry: string | null;
  /** [minx, miny, maxx, maxy] of the geometry (not the item's declared bbox). */
  bbox: [number, number, number, number] | null;
  /** The item's properties as JSON text (what filters and sorts read). */
  props: string;
  /** The whole document as stored and served; the ETag is the hash of exactly this text. */
  content: string;
  etag: string;
}

/** A batch's rows for one collection, and the properties seen in them (for queryables and summaries). */
export interface ItemRowGroup {
  collection: string;
  rows: ItemRow[];
  properties: Array<[name: string, type: SeenProperty['type']]>;
}

export function jsonType(v: unknown): SeenProperty['type'] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : null;
}

/**
 * The row of an item that has passed validation (its `collection` already set). `text`, when given, is the
 * item's JSON text as written (bulk loads pass their input line when it needed no change): it is stored as
 * is, saving a serialization of the whole document.
 */
export function itemRow(item: StacItem, text?: string): ItemRow {
  const content = text ?? JSON.stringify(item);
  const t = itemTimeRange(item.properties);
  return {
    id: item.id,
    start: t.start,
    end: t.end,
    geometry: item.geometry ? JSON.stringify(item.geometry) : null,
    bbox: item.geometry ? geometryBbox(item.geometry) : null,
    props: JSON.stringify(item.properties),
    content,
    etag: etagOf(content),
  };
}

/** Adds the properties of `item` not yet in `found` (name -> JSON type of the first value seen). */
export function collectProperties(item: StacItem, found: Map<string, SeenProperty['type']>): void {
  for (const name in item.properties) {
    if (found.has(name)) continue;
    const type = jsonType(item.properties[name]);
    if (type) found.set(name, type);
  }
}

/** One collection's rows from checked items (what `putItems` of both drivers writes). */
export function itemRowGroup(collection: string, items: StacItem[]): ItemRowGroup {
  const found = new Map<string, SeenProperty['type']>();
  for (const it of items) collectProperties(it, found);
  return { collection, rows: items.map((i) => itemRow(i)), properties: [...found] };
}
