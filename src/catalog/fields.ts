/**
 * The Fields extension: `include` / `exclude` lists of dotted paths applied to each returned item. With only
 * excludes, everything else is kept; with includes, only those paths (plus id, type, stac_version, links and
 * collection, which clients need to follow links) are kept. A path in both lists is included. Pure.
 */
import { TerraHubError } from '../core/errors.ts';

export interface FieldsSpec {
  include: string[];
  exclude: string[];
}

const ALWAYS = ['id', 'type', 'stac_version', 'links', 'collection'];

/** From a POST body `{include, exclude}` or GET's `a,-b,+c`; null when nothing is asked. */
export function parseFields(raw: unknown): FieldsSpec | null {
  if (raw === undefined || raw === null || raw === '') return null;
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
    return { include, exclude };
  }
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new TerraHubError('TH_STAC_BAD_SEARCH', 'fields: must be {include: [...], exclude: [...]}', {
      parameter: 'fields',
    });
  const r = raw as { include?: unknown; exclude?: unknown };
  const list = (v: unknown, name: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw new TerraHubError('TH_STAC_BAD_SEARCH', `fields.${name}: must be a list of strings`, {
        parameter: 'fields',
      });
    return v;
  };
  return { include: list(r.include, 'include'), exclude: list(r.exclude, 'exclude') };
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

/** Splits `properties.eo:cloud_cover` into its keys (property names may contain colons, not dots). */
const split = (p: string) => p.split('.');

export function applyFields<T extends Record<string, unknown>>(
  item: T,
  spec: FieldsSpec | null,
): Record<string, unknown> {
  if (!spec || (spec.include.length === 0 && spec.exclude.length === 0)) return item;
  const include = new Set(spec.include);
  let out: Record<string, unknown>;
  if (spec.include.length) {
    out = {};
    for (const p of [...ALWAYS, ...spec.include]) {
      const v = getPath(item, split(p));
      if (v.found) setPath(out, split(p), structuredClone(v.value));
    }
  } else out = structuredClone(item);
  for (const p of spec.exclude) if (!include.has(p) && !ALWAYS.includes(p)) deletePath(out, split(p));
  return out;
}
