/**
 * The Fields extension, with the rules of its specification:
 * - no `fields`, `{}` or GET's empty value: the whole item;
 * - `include` given (non-empty): only those paths, plus id, type, stac_version and links (which clients
 *   need to follow the item);
 * - `include` given as null or [] (POST): the default set (type, stac_version, id, geometry, bbox, links,
 *   assets, properties.datetime) minus `exclude`;
 * - only `exclude`: the whole item minus those paths;
 * - a path in both lists is included; excluding a parent keeps the included paths below it.
 * Pure.
 */
import { TerraHubError } from '../core/errors.ts';

export interface FieldsSpec {
  /** null: include was not given. */
  include: string[] | null;
  exclude: string[];
}

const ALWAYS = ['id', 'type', 'stac_version', 'links'];
const DEFAULT = ['type', 'stac_version', 'id', 'geometry', 'bbox', 'links', 'assets', 'properties.datetime'];

function bad(msg: string): never {
  throw new TerraHubError('TH_STAC_BAD_SEARCH', `fields: ${msg}`, { parameter: 'fields' });
}

/** From a POST body `{include, exclude}` or GET's `a,-b,+c`; null when nothing is asked. */
export function parseFields(raw: unknown, present = false): FieldsSpec | null {
  if (raw === undefined || raw === '') return null;
  if (raw === null) {
    if (present) bad('must be an object {include, exclude}, not null');
    return null;
  }
  if (typeof raw === 'string') {
    const include: string[] = [];
    const exclude: string[] = [];
    for (const f of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (f.startsWith('-')) exclude.push(f.slice(1));
      else include.push(f.replace(/^\+/, ''));
    }
    return { include: include.length ? include : null, exclude };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) bad('must be {include: [...], exclude: [...]}');
  const r = raw as { include?: unknown; exclude?: unknown };
  const list = (v: unknown, name: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(`${name} must be a list of strings`);
    return v;
  };
  if (!('include' in r) && !('exclude' in r)) return null;
  return { include: 'include' in r ? list(r.include, 'include') : null, exclude: list(r.exclude, 'exclude') };
}

function getPath(o: unknown, path: string[]): { found: boolean; value: unknown } {
  let cur = o;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || !(k in cur)) return { found: false, value: undefined };
    cur = (cur as Record<string, unknown>)[k];
  }
  return { found: true, value: cur };
}

function setPath(o: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = o;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

function deletePath(o: Record<string, unknown>, path: string[]): void {
  const parent = getPath(o, path.slice(0, -1));
  if (parent.found && typeof parent.value === 'object' && parent.value !== null)
    delete (parent.value as Record<string, unknown>)[path[path.length - 1]!];
}

/** Property names may hold colons, never dots: `properties.eo:cloud_cover` is two keys. */
const split = (p: string) => p.split('.');

function pick(item: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of paths) {
    const v = getPath(item, split(p));
    if (v.found) setPath(out, split(p), structuredClone(v.value));
  }
  return out;
}

export function applyFields(item: Record<string, unknown>, spec: FieldsSpec | null): Record<string, unknown> {
  if (!spec) return item;
  const include = spec.include ?? [];
  let out: Record<string, unknown>;
  if (include.length) out = pick(item, [...ALWAYS, ...include]);
  else if (spec.include !== null) out = pick(item, DEFAULT);
  else out = structuredClone(item);
  for (const p of spec.exclude) {
    // Included wins: the path itself, or (when a parent is excluded) the included paths below it.
    if (include.includes(p) || ALWAYS.includes(p)) continue;
    if (include.some((i) => i.startsWith(`${p}.`))) {
      const kept = pick(
        out,
        include.filter((i) => i.startsWith(`${p}.`)),
      );
      deletePath(out, split(p));
      const v = getPath(kept, split(p));
      if (v.found) setPath(out, split(p), v.value);
    } else deletePath(out, split(p));
  }
  return out;
}
