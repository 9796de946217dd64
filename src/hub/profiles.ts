/**
 * Profiles: the choices a user has when starting a server (environment, CPU and memory limits, idle timeout,
 * maximum age, home quota). Configured as the json key `hub.profiles`; the first one is the default.
 */
import { parseBytes, parseDuration } from '../core/config/types.ts';

export interface Profile {
  /** Shown to users and used as the identifier in forms and the API (`{"profile": "CPU - Python"}`). */
  name: string;
  description: string;
  /** Environment under `envs/{environment}` (its `bin/jupyter`); empty: the built `default` environment if there is one, else `hub.jupyterCommand`. */
  environment: string;
  /** CPU limit in cores (0: none). */
  cpus: number;
  /** Memory limit in bytes (0: none). */
  memoryBytes: number;
  /** A server with no activity for this long is stopped (0: never). */
  idleTimeoutMs: number;
  /** A server older than this is stopped (0: never). */
  maxAgeMs: number;
  /** Home directory quota in bytes (0: the `hub.homeQuota` default). */
  quotaBytes: number;
}

export const DEFAULT_PROFILES: Profile[] = [
  {
    name: 'CPU - Python',
    description: 'Python with JupyterLab: 2 cores, 8 GB of memory.',
    environment: '',
    cpus: 2,
    memoryBytes: 8e9,
    idleTimeoutMs: 3600e3,
    maxAgeMs: 0,
    quotaBytes: 0,
  },
];

const FIELDS = new Set([
  'name',
  'description',
  'environment',
  'cpus',
  'memory',
  'idleTimeout',
  'maxAge',
  'quota',
]);

function one(raw: unknown, i: number): Profile {
  const at = `profile ${i + 1}`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${at} must be an object`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!FIELDS.has(k)) throw new Error(`${at}: unknown field "${k}" (known: ${[...FIELDS].join(', ')})`);
  }
  if (typeof o['name'] !== 'string' || !o['name'].trim()) throw new Error(`${at}: "name" must be a string`);
  const field = <T>(k: string, parse: (v: unknown) => T, dflt: T): T => {
    if (o[k] === undefined) return dflt;
    try {
      return parse(o[k]);
    } catch (e) {
      throw new Error(`${at} ("${String(o['name'])}"): "${k}" ${(e as Error).message}`);
    }
  };
  const text = (v: unknown) => {
    if (typeof v !== 'string') throw new Error('must be a string');
    return v;
  };
  return {
    name: o['name'].trim(),
    description: field('description', text, ''),
    environment: field(
      'environment',
      (v) => {
        const s = text(v);
        if (s && !/^[A-Za-z0-9][\w.-]*$/.test(s)) throw new Error('must be an environment name');
        return s;
      },
      '',
    ),
    cpus: field(
      'cpus',
      (v) => {
        if (typeof v !== 'number' || !(v >= 0)) throw new Error('must be a number of cores (0: no limit)');
        return v;
      },
      0,
    ),
    memoryBytes: field('memory', parseBytes, 0),
    idleTimeoutMs: field('idleTimeout', parseDuration, 0),
    maxAgeMs: field('maxAge', parseDuration, 0),
    quotaBytes: field('quota', parseBytes, 0),
  };
}

/** Validates the `hub.profiles` value: a non-empty list of profiles with distinct names. */
export function parseProfiles(v: unknown): Profile[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error('must be a non-empty list of profiles');
  const profiles = v.map(one);
  const names = new Set<string>();
  for (const p of profiles) {
    if (names.has(p.name)) throw new Error(`two profiles are named "${p.name}"`);
    names.add(p.name);
  }
  return profiles;
}
