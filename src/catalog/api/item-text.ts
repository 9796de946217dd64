/**
 * An item's stored JSON text made into the API's item text without parsing the document: only the
 * top-level `id`, `collection` and `links` values are read, and `links` is replaced by what withItemLinks
 * would give (the structural links made from the API's URL, then the item's other links). A page of a
 * hundred 5 KB items is then copied, not parsed and serialized again. Pure.
 */
import type { StacItem } from '../model.ts';
import { itemLinks } from './links.ts';

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJ = 123;
const CLOSE_OBJ = 125;
const OPEN_ARR = 91;
const CLOSE_ARR = 93;
const COMMA = 44;

const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** The index just after the JSON string starting at `i` (a quote): the next quote not escaped. */
function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) throw new Error('unterminated string');
    let k = q - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1; // an even number of backslashes: not escaped
    j = q + 1;
  }
}

/** The index just after the JSON value starting at `i` (charCodeAt: this runs over every stored byte). */
function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === OPEN_OBJ || c === OPEN_ARR) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === QUOTE) j = skipString(s, j) - 1;
      else if (d === OPEN_OBJ || d === OPEN_ARR) depth++;
      else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        if (--depth === 0) return j + 1;
      }
    }
    throw new Error('unterminated value');
  }
  let j = i;
  for (; j < s.length; j++) {
    const d = s.charCodeAt(j);
    if (isWs(d) || d === COMMA || d === CLOSE_OBJ || d === CLOSE_ARR) break;
  }
  return j;
}

/** Spans [start, end) of the values of the wanted top-level keys of a JSON object text. */
function topLevel(s: string, wanted: Set<string>): Map<string, [number, number]> {
  const found = new Map<string, [number, number]>();
  let i = skipWs(s, 0);
  if (s.charCodeAt(i) !== OPEN_OBJ) throw new Error('not an object');
  i = skipWs(s, i + 1);
  while (i < s.length && s.charCodeAt(i) !== CLOSE_OBJ) {
    const keyEnd = skipString(s, i);
    const raw = s.slice(i + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(s.slice(i, keyEnd)) as string) : raw;
    i = skipWs(s, keyEnd);
    if (s.charCodeAt(i) !== 58) throw new Error('expected a colon');
    const start = skipWs(s, i + 1);
    const end = skipValue(s, start);
    if (wanted.has(key)) found.set(key, [start, end]);
    i = skipWs(s, end);
    if (s.charCodeAt(i) === COMMA) i = skipWs(s, i + 1);
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
