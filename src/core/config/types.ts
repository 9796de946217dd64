/**
 * Typed configuration key definitions. Each constructor returns a KeyDef whose `parse` turns a raw value
 * (from a file, an environment variable or a flag) into the typed value, or throws a message that says why.
 */

export interface KeyOptions {
  /** Command-line flag of `terrahub up` (main keys only). Secrets never get a flag: they would show in `ps`. */
  flag?: string;
  /** Redacted in `config show` and logs; settable from the file or environment only. */
  secret?: boolean;
}

export interface KeyDef<V> extends KeyOptions {
  type: string;
  default: V;
  doc: string;
  /** Raw value (string from env/flags, any JSON-ish value from a file) to typed value; throws a reason. */
  parse(raw: unknown): V;
}

function def<V>(type: string, dflt: V, doc: string, parse: (raw: unknown) => V, opts: KeyOptions = {}) {
  return { type, default: dflt, doc, parse, ...opts } satisfies KeyDef<V>;
}

export function str(dflt: string, doc: string, opts?: KeyOptions): KeyDef<string> {
  return def(
    'string',
    dflt,
    doc,
    (raw) => {
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw new Error('must be a string');
    },
    opts,
  );
}

export function int(dflt: number, doc: string, opts?: KeyOptions & { min?: number; max?: number }) {
  const min = opts?.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts?.max ?? Number.MAX_SAFE_INTEGER;
  return def(
    'integer',
    dflt,
    doc,
    (raw) => {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (!Number.isSafeInteger(n)) throw new Error('must be an integer');
      if (n < min || n > max) throw new Error(`must be between ${min} and ${max}`);
      return n;
    },
    opts,
  );
}

export function port(dflt: number, doc: string, opts?: KeyOptions): KeyDef<number> {
  return { ...int(dflt, doc, { ...opts, min: 0, max: 65535 }), type: 'port' };
}

export function bool(dflt: boolean, doc: string, opts?: KeyOptions): KeyDef<boolean> {
  return def(
    'boolean',
    dflt,
    doc,
    (raw) => {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      throw new Error('must be true or false');
    },
    opts,
  );
}

export function enumOf<const T extends readonly string[]>(
  values: T,
  dflt: T[number],
  doc: string,
  opts?: KeyOptions,
): KeyDef<T[number]> {
  return def(
    values.join(' | '),
    dflt,
    doc,
    (raw) => {
      const s = String(raw);
      if (!(values as readonly string[]).includes(s)) throw new Error(`must be one of ${values.join(', ')}`);
      return s;
    },
    opts,
  );
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parses sizes such as `100GB`, `512 MiB` or a plain number of bytes. */
export function parseBytes(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return Math.floor(raw);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(raw));
  const unit = BYTE_UNITS[(m?.[2] ?? 'x').toLowerCase()];
  if (!m || unit === undefined) throw new Error('must be a size such as 100GB, 512MiB or a number of bytes');
  return Math.floor(Number(m[1]) * unit);
}

export function bytes(dflt: string, doc: string, opts?: KeyOptions): KeyDef<number> {
  return def('size', parseBytes(dflt), doc, parseBytes, opts);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, '': 1e3 };

/** Parses durations such as `30m`, `1h`, `7d`, `500ms`; a bare number is seconds. Returns milliseconds. */
export function parseDuration(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw * 1000;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|)\s*$/i.exec(String(raw));
  const unit = DURATION_UNITS[(m?.[2] ?? 'x').toLowerCase()];
  if (!m || unit === undefined) throw new Error('must be a duration such as 90s, 30m, 12h or 7d');
  return Math.round(Number(m[1]) * unit);
}

/** A duration in milliseconds. */
export function duration(dflt: string, doc: string, opts?: KeyOptions): KeyDef<number> {
  return def('duration', parseDuration(dflt), doc, parseDuration, opts);
}

/**
 * A structured value (list or object). In the environment it is written as JSON. `check` validates the
 * parsed value and returns it typed, throwing a reason that names the failing part.
 */
export function json<V>(dflt: V, doc: string, check: (v: unknown) => V, opts?: KeyOptions): KeyDef<V> {
  return def(
    'json',
    dflt,
    doc,
    (raw) => {
      let v = raw;
      if (typeof raw === 'string') {
        try {
          v = JSON.parse(raw);
        } catch {
          throw new Error('must be valid JSON');
        }
      }
      return check(v);
    },
    opts,
  );
}
