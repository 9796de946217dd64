/**
 * Loads the effective configuration once: defaults < file < TERRAHUB_* environment < flags.
 * Strict: an unknown key or a bad value is a ConfigError naming the key, its source and the reason.
 * This is the only module that reads process.env (the composition root passes it in).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { CONFIG_KEYS, type Config, type ConfigKey } from './keys.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Environment variables that start with TERRAHUB_ but configure a client, not the server. */
const CLIENT_ENV = new Set(['TERRAHUB_URL', 'TERRAHUB_TOKEN', 'TERRAHUB_CONFIG', 'TERRAHUB_USER']);

export function envName(key: string): string {
  return (
    'TERRAHUB_' +
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

const KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[];
const BY_ENV = new Map(KEYS.map((k) => [envName(k), k]));

export interface LoadOptions {
  /** Path of a .yaml/.yml/.toml/.json file. */
  file?: string | undefined;
  env?: Record<string, string | undefined>;
  /** Values from command-line flags, keyed by config key. */
  flags?: Partial<Record<ConfigKey, unknown>>;
}

export interface Loaded {
  config: Config;
  /** Where each key's value came from: default, file, env or flag. */
  sources: Record<ConfigKey, 'default' | 'file' | 'env' | 'flag'>;
}

export function loadConfig(opts: LoadOptions = {}): Loaded {
  const values: Record<string, unknown> = {};
  const sources = {} as Record<ConfigKey, 'default' | 'file' | 'env' | 'flag'>;
  for (const k of KEYS) {
    values[k] = CONFIG_KEYS[k].default;
    sources[k] = 'default';
  }
  const set = (k: ConfigKey, raw: unknown, source: 'file' | 'env' | 'flag', where: string) => {
    try {
      values[k] = CONFIG_KEYS[k].parse(raw);
      sources[k] = source;
    } catch (e) {
      throw new ConfigError(`${where}: ${(e as Error).message} (got ${JSON.stringify(raw)})`);
    }
  };

  if (opts.file) {
    for (const [k, raw] of Object.entries(flattenFile(readConfigFile(opts.file)))) {
      if (!(k in CONFIG_KEYS)) throw new ConfigError(`${opts.file}: unknown key "${k}"${suggest(k)}`);
      set(k as ConfigKey, raw, 'file', `${opts.file}: key "${k}"`);
    }
  }
  for (const [name, raw] of Object.entries(opts.env ?? {})) {
    if (!name.startsWith('TERRAHUB_') || raw === undefined || CLIENT_ENV.has(name)) continue;
    const k = BY_ENV.get(name);
    if (!k) throw new ConfigError(`environment variable ${name} is not a TerraHub setting${suggest(name)}`);
    set(k, raw, 'env', `environment variable ${name} (key "${k}")`);
  }
  for (const [k, raw] of Object.entries(opts.flags ?? {})) {
    if (raw === undefined) continue;
    const flag = CONFIG_KEYS[k as ConfigKey].flag ?? k;
    set(k as ConfigKey, raw, 'flag', `flag ${flag} (key "${k}")`);
  }
  return { config: values as Config, sources };
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  try {
    const ext = extname(path).toLowerCase();
    if (ext === '.toml') return parseToml(text);
    if (ext === '.json') return JSON.parse(text);
    return parseYaml(text) ?? {};
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Nested objects become dotted keys, except where a dotted prefix is itself a key (a json-typed value). */
function flattenFile(doc: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    if (prefix === '') throw new ConfigError('config file must be a mapping of keys to values');
    out[prefix] = doc;
    return out;
  }
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const isLeafKey = key in CONFIG_KEYS;
    if (isLeafKey || v === null || typeof v !== 'object' || Array.isArray(v)) out[key] = v;
    else flattenFile(v, key, out);
  }
  return out;
}

function suggest(name: string): string {
  const lower = name
    .toLowerCase()
    .replace(/^terrahub_/, '')
    .replace(/[_.-]/g, '');
  const hit = KEYS.find((k) => k.toLowerCase().replace(/[_.-]/g, '') === lower);
  return hit ? ` (did you mean "${hit}"?)` : '';
}

/** The configuration with secrets replaced, for `config show` and the start-up log. */
export function redacted(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) {
    const v = config[k];
    out[k] = CONFIG_KEYS[k].secret && v !== '' ? '********' : v;
  }
  return out;
}
