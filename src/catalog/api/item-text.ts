/**
 * An item's stored JSON text made into the API's item text without parsing the document: only the
 * top-level `id`, `collection` and `links` values are read, and `links` is replaced by what withItemLinks
 * would give (the structural links made from the API's URL, then the item's other links). A page of a
 * hundred 5 KB items is then copied, not parsed and serialized again. Pure.
 */
import type { StacItem } from '../model.ts';
import { itemLinks } from './links.ts';

const WS = new Set([' ', '\t', '\n', '\r']);

function skipWs(s: string, i: number): number {
  while (i < s.length && WS.has(s[i]!)) i++;
  return i;
}

/** The index just after the JSON string starting at `i` (a quote). */
function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  throw new Error('unterminated string');
}

/** The index just after the JSON value starting at `i`. */
function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') j = skipString(s, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        if (--depth === 0) return j + 1;
      }
    }
    throw new Error('unterminated value');
  }
  let j = i;
  while (j < s.length && !WS.has(s[j]!) && s[j] !== ',' && s[j] !== '}' && s[j] !== ']') j++;
  return j;
}

/** Spans [start, end) of the values of the wanted top-level keys of a JSON object text. */
function topLevel(s: string, wanted: Set<string>): Map<string, [number, number]> {
  const found = new Map<string, [number, number]>();
  let i = skipWs(s, 0);
  if (s[i] !== '{') throw new Error('not an object');
  i = skipWs(s, i + 1);
  while (i < s.length && s[i] !== '}') {
    const keyEnd = skipString(s, i);
    const key = JSON.parse(s.slice(i, keyEnd)) as string;
    i = skipWs(s, keyEnd);
    if (s[i] !== ':') throw new Error('expected a colon');
    const start = skipWs(s, i + 1);
    const end = skipValue(s, start);
    if (wanted.has(key)) found.set(key, [start, end]);
    i = skipWs(s, end);
    if (s[i] === ',') i = skipWs(s, i + 1);
  }
  return found;
}

const KEYS = new Set(['id', 'collection', 'links']);

/**
 * The text of withItemLinks(base, JSON.parse(text)), as JSON, from the stored text of a valid item. A text
 * it cannot read (not expected of stored items) goes the long way, through JSON.parse.
 */
export function itemTextWithLinks(base: string, text: string): string {
  let spans: Map<string, [number, number]>;
  try {
    spans = topLevel(text, KEYS);
  } catch {
    return slow(base, text);
  }
  const value = (k: string): unknown => {
    const span = spans.get(k);
    return span ? JSON.parse(text.slice(span[0], span[1])) : undefined;
  };
  const item = { id: value('id'), collection: value('collection'), links: value('links') } as StacItem;
  if (typeof item.id !== 'string' || (item.links !== undefined && !Array.isArray(item.links))) {
    return slow(base, text);
  }
  const links = JSON.stringify(itemLinks(base, item));
  const at = spans.get('links');
  if (at) return text.slice(0, at[0]) + links + text.slice(at[1]);
  // No links member: added last, where the spread in withItemLinks puts it.
  const close = text.lastIndexOf('}');
  const empty = text.slice(0, close).trim().endsWith('{');
  return `${text.slice(0, close)}${empty ? '' : ','}"links":${links}}`;
}

function slow(base: string, text: string): string {
  const item = JSON.parse(text) as StacItem;
  return JSON.stringify({ ...item, links: itemLinks(base, item) });
}
