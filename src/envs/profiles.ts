/**
 * Environment profiles: a named, pinned requirements lock. Built-in profiles live beside this file
 * (`profiles/<name>/requirements.lock.txt`); an admin adds their own (an "R" or "GPU" environment is just
 * another lock) in the directory of the `envs.profilesDir` key, which wins over a built-in of the same name.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TerraHubError } from '../core/errors.ts';

export const BUILTIN_PROFILES_DIR = join(import.meta.dirname, 'profiles');
export const LOCK_FILE = 'requirements.lock.txt';
/** The local pure-Python client (python/terrahub), installed into every environment. */
export const PYTHON_CLIENT_DIR = resolve(import.meta.dirname, '..', '..', 'python', 'terrahub');

const NAME_RE = /^[A-Za-z0-9][\w.-]{0,63}$/;

export interface EnvProfile {
  name: string;
  /** Absolute path of the profile's lock file. */
  lockFile: string;
}

/** The profile called `name`, looked up in the admin's directory first, then the built-in ones. */
export function findProfile(name: string, profilesDir = ''): EnvProfile {
  if (!NAME_RE.test(name)) {
    throw new TerraHubError(
      'TH_ENV_PROFILE_NOT_FOUND',
      `invalid environment name ${JSON.stringify(name)}: use letters, digits, ".", "_" or "-"`,
    );
  }
  for (const dir of [profilesDir, BUILTIN_PROFILES_DIR]) {
    if (!dir) continue;
    const lockFile = resolve(dir, name, LOCK_FILE);
    if (existsSync(lockFile)) return { name, lockFile };
  }
  const known = listProfiles(profilesDir).join(', ') || 'none';
  throw new TerraHubError(
    'TH_ENV_PROFILE_NOT_FOUND',
    `no environment profile "${name}" (known: ${known}); a profile is a folder <name>/${LOCK_FILE}`,
  );
}

/** Names of every profile, built-in and the admin's. */
export function listProfiles(profilesDir = ''): string[] {
  const names = new Set<string>();
  for (const dir of [profilesDir, BUILTIN_PROFILES_DIR]) {
    if (!dir || !existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && NAME_RE.test(e.name) && existsSync(join(dir, e.name, LOCK_FILE)))
        names.add(e.name);
    }
  }
  return [...names].sort();
}

/** Requirement lines of a lock file (comments and blanks dropped), for counting progress. */
export function lockRequirements(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0 && !l.startsWith('-'));
}
