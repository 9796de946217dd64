/**
 * Colormaps: named 256-entry RGBA tables shipped as data (colormaps.data.json, made by
 * generate_colormaps.py), their reversed forms (`viridis_r`), and user maps given as JSON the way TiTiler takes
 * them: `{"1": [r,g,b,a], ...}` (discrete values) or `[[[min, max], [r,g,b,a]], ...]` (intervals).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Maps a value (already rescaled to 0..255 for tables) to RGBA, or null for transparent/no colour. */
export type ColorLookup =
  | { kind: 'table'; rgba: Uint8Array }
  | { kind: 'discrete'; values: Map<number, [number, number, number, number]> }
  | { kind: 'intervals'; ranges: Array<[number, number, [number, number, number, number]]> };

let tables: Record<string, string> | null = null;

function loadTables(): Record<string, string> {
  tables ??= JSON.parse(readFileSync(join(import.meta.dirname, 'colormaps.data.json'), 'utf8')) as Record<
    string,
    string
  >;
  return tables;
}

export function colormapNames(): string[] {
  const base = Object.keys(loadTables()).sort();
  return [...base, ...base.map((n) => `${n}_r`)];
}

export class ColormapError extends Error {}

/** The 256 x RGBA table of a named map (case-insensitive), or undefined. */
export function namedColormap(name: string): Uint8Array | undefined {
  const lower = name.toLowerCase();
  const reversed = lower.endsWith('_r');
  const hex = loadTables()[reversed ? lower.slice(0, -2) : lower];
  if (!hex || !Object.prototype.hasOwnProperty.call(loadTables(), reversed ? lower.slice(0, -2) : lower))
    return undefined;
  const rgba = Buffer.from(hex, 'hex');
  const out = new Uint8Array(1024);
  for (let i = 0; i < 256; i++) {
    const src = (reversed ? 255 - i : i) * 4;
    out.set(rgba.subarray(src, src + 4), i * 4);
  }
  return out;
}

function color(v: unknown, where: string): [number, number, number, number] {
  if (typeof v === 'string' && /^#?[0-9a-f]{6}([0-9a-f]{2})?$/i.test(v)) {
    const h = v.replace('#', '');
    return [
      parseInt(h.slice(0, 2), 16),
      parseInt(h.slice(2, 4), 16),
      parseInt(h.slice(4, 6), 16),
      h.length === 8 ? parseInt(h.slice(6, 8), 16) : 255,
    ];
  }
  if (
    Array.isArray(v) &&
    (v.length === 3 || v.length === 4) &&
    v.every((c) => typeof c === 'number' && c >= 0 && c <= 255)
  ) {
    return [v[0], v[1], v[2], v.length === 4 ? v[3] : 255] as [number, number, number, number];
  }
  throw new ColormapError(`${where}: a colour is [r, g, b] or [r, g, b, a] with 0-255 values, or "#rrggbb"`);
}

/** Parses the `colormap` query parameter (JSON). */
export function parseColormap(json: string): ColorLookup {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new ColormapError('colormap is not valid JSON');
  }
  if (Array.isArray(v)) {
    const ranges = v.map((entry, i): [number, number, [number, number, number, number]] => {
      const range = Array.isArray(entry) ? (entry[0] as unknown) : undefined;
      if (
        !Array.isArray(range) ||
        range.length !== 2 ||
        typeof range[0] !== 'number' ||
        typeof range[1] !== 'number'
      )
        throw new ColormapError(`colormap[${i}] must be [[min, max], colour]`);
      return [range[0], range[1], color((entry as unknown[])[1], `colormap[${i}]`)];
    });
    return { kind: 'intervals', ranges };
  }
  if (v && typeof v === 'object') {
    const values = new Map<number, [number, number, number, number]>();
    for (const [k, c] of Object.entries(v)) {
      const n = Number(k);
      if (!Number.isFinite(n)) throw new ColormapError(`colormap key "${k}" is not a number`);
      values.set(n, color(c, `colormap["${k}"]`));
    }
    return { kind: 'discrete', values };
  }
  throw new ColormapError('colormap must be a JSON object or a list of intervals');
}

/** RGBA for `value`; tables take an integer 0..255. Returns null when the map has no colour for it. */
export function lookup(map: ColorLookup, value: number): [number, number, number, number] | null {
  switch (map.kind) {
    case 'table': {
      const i = Math.min(255, Math.max(0, Math.round(value))) * 4;
      const t = map.rgba;
      return [t[i]!, t[i + 1]!, t[i + 2]!, t[i + 3]!];
    }
    case 'discrete':
      return map.values.get(value) ?? null;
    case 'intervals':
      for (const [lo, hi, c] of map.ranges) if (value >= lo && value < hi) return c;
      return null;
  }
}
