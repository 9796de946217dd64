/**
 * Builds a profile's Python environment: a venv in `<dataDir>/envs/<profile>` with exactly the pinned
 * packages of the profile's lock file, plus TerraHub's own Python client (copied in: it is pure Python).
 * A stamp file records the hash of the lock and the client; a re-run with the same hash does nothing.
 * Two builds of one environment never run at once (a lock file beside it).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerraHubError } from '../core/errors.ts';
import { acquireBuildLock } from './build-lock.ts';
import { collectingOf, explainPipFailure } from './pip-output.ts';
import { lockRequirements, PYTHON_CLIENT_DIR, type EnvProfile } from './profiles.ts';

export const STAMP_FILE = 'terrahub-env.json';

export interface BuildOptions {
  /** `<dataDir>/envs`. */
  envsDir: string;
  profile: EnvProfile;
  /** Interpreter the venv is made with (`envs.python`). */
  python: string;
  /** Rebuild even when the stamp says it is up to date. */
  force?: boolean;
  onProgress?: (message: string) => void;
  /** Aborting stops pip (TerraHub shutting down); the environment is left unstamped, to be finished later. */
  signal?: AbortSignal;
}

export interface BuildResult {
  dir: string;
  /** False when the environment was already up to date. */
  changed: boolean;
  hash: string;
}

export interface EnvStamp {
  profile: string;
  hash: string;
  python: string;
  builtAt: string;
}

/** The hash that decides whether an environment must be rebuilt: its lock file and the client's sources. */
export function environmentHash(profile: EnvProfile): string {
  const h = createHash('sha256').update(readFileSync(profile.lockFile));
  for (const f of readdirSync(PYTHON_CLIENT_DIR).sort()) {
    if (!f.endsWith('.py') && !f.endsWith('.pth')) continue;
    h.update(`\0${f}\0`).update(readFileSync(join(PYTHON_CLIENT_DIR, f)));
  }
  return h.digest('hex').slice(0, 32);
}

export function readStamp(dir: string): EnvStamp | null {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8')) as EnvStamp;
  } catch {
    return null;
  }
}

/** Whether the environment of `profile` is built and matches its lock. */
export function environmentStatus(envsDir: string, profile: EnvProfile): { dir: string; upToDate: boolean } {
  const dir = join(envsDir, profile.name);
  const stamp = readStamp(dir);
  return { dir, upToDate: !!stamp && stamp.hash === environmentHash(profile) && existsSync(pythonOf(dir)) };
}

export function pythonOf(dir: string): string {
  return join(dir, 'bin', 'python');
}

export async function buildEnvironment(o: BuildOptions): Promise<BuildResult> {
  const say = o.onProgress ?? (() => {});
  const dir = join(o.envsDir, o.profile.name);
  const hash = environmentHash(o.profile);
  if (!o.force && environmentStatus(o.envsDir, o.profile).upToDate) {
    say(`environment "${o.profile.name}" is up to date (${dir})`);
    return { dir, changed: false, hash };
  }
  mkdirSync(o.envsDir, { recursive: true });
  const release = acquireBuildLock(join(o.envsDir, `.${o.profile.name}.building`), o.profile.name);
  try {
    // The stamp goes first, so an interrupted build is never taken for a finished one.
    rmSync(join(dir, STAMP_FILE), { force: true });
    const py = pythonOf(dir);
    if (!existsSync(py)) {
      say(`creating a virtual environment in ${dir} with ${o.python}`);
      const r = await run(o.python, ['-m', 'venv', dir], undefined, o.signal);
      if (r.code !== 0)
        fail(o.profile.name, null, `could not create a venv with "${o.python}": ${r.output.trim()}`);
    }
    await pipInstall(o, dir, say);
    say('installing the terrahub Python client');
    await installClient(o.profile.name, py);
    say('checking that every requirement is satisfied');
    const check = await run(py, ['-m', 'pip', 'check', '--disable-pip-version-check']);
    if (check.code !== 0) {
      const m = /^(\S+) [^ ]+ (?:requires|has requirement) (.*)$/m.exec(check.output);
      fail(
        o.profile.name,
        m?.[1] ?? null,
        m ? `it requires ${m[2]} (add it to the lock file)` : check.output.trim(),
      );
    }
    const stamp: EnvStamp = {
      profile: o.profile.name,
      hash,
      python: o.python,
      builtAt: new Date().toISOString(),
    };
    writeFileSync(join(dir, STAMP_FILE), JSON.stringify(stamp, null, 2) + '\n');
    say(`environment "${o.profile.name}" is ready (${dir})`);
    return { dir, changed: true, hash };
  } finally {
    release();
  }
}

async function pipInstall(o: BuildOptions, dir: string, say: (m: string) => void): Promise<void> {
  const total = lockRequirements(readFileSync(o.profile.lockFile, 'utf8')).length;
  say(`installing ${total} pinned packages from ${o.profile.lockFile}`);
  let n = 0;
  let current: string | null = null;
  // The lock is complete, so dependencies are not resolved again: what is pinned is what is installed.
  const args = ['-m', 'pip', 'install', '--no-deps', '--no-input', '--progress-bar', 'off'];
  args.push('--disable-pip-version-check', '-r', o.profile.lockFile);
  const r = await run(
    pythonOf(dir),
    args,
    (line) => {
      const req = collectingOf(line);
      if (req) {
        current = req;
        say(`[${++n}/${total}] ${req}`);
      } else if (/^Installing collected packages/.test(line)) {
        say(`installing ${n} packages into ${dir}`);
      }
    },
    o.signal,
  );
  const logFile = join(o.envsDir, `${o.profile.name}.build.log`);
  writeFileSync(logFile, r.output);
  if (o.signal?.aborted) fail(o.profile.name, current, 'interrupted (TerraHub is stopping)');
  if (r.code !== 0) {
    const f = explainPipFailure(r.output, current);
    fail(o.profile.name, f.pkg, `${f.reason} (pip's log: ${logFile})`);
  }
}

/** Copies python/terrahub into the venv's site-packages, with its start-up hook (see _autoconfig.py). */
async function installClient(profile: string, py: string): Promise<void> {
  const r = await run(py, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']);
  const site = r.output.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !existsSync(site))
    fail(profile, 'terrahub', `no site-packages found: ${r.output.trim()}`);
  const target = join(site, 'terrahub');
  rmSync(target, { recursive: true, force: true });
  cpSync(PYTHON_CLIENT_DIR, target, {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !src.endsWith('.pth'),
  });
  // The start-up hook is a top-level module, so that Python's start does not import the client package.
  cpSync(join(PYTHON_CLIENT_DIR, '_autoconfig.py'), join(site, 'terrahub_autoconfig.py'));
  cpSync(join(PYTHON_CLIENT_DIR, 'terrahub_autoconfig.pth'), join(site, 'terrahub_autoconfig.pth'));
  const imp = await run(py, ['-c', 'import terrahub']);
  if (imp.code !== 0) fail(profile, 'terrahub', `the client does not import: ${imp.output.trim()}`);
}

function fail(profile: string, pkg: string | null, reason: string): never {
  const what = pkg ? `package "${pkg}": ` : '';
  throw new TerraHubError(
    'TH_ENV_BUILD_FAILED',
    `building environment "${profile}" failed: ${what}${reason}`,
    pkg ? { package: pkg } : undefined,
  );
}

/** Runs a command, calling `onLine` for each output line; resolves with its exit code and all output. */
function run(
  cmd: string,
  args: string[],
  onLine?: (line: string) => void,
  signal?: AbortSignal,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    let partial = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      if (!onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) => resolve({ code: 127, output: `${output}${e.message}\n` }));
    child.on('close', (code) => {
      if (partial && onLine) onLine(partial);
      resolve({ code: code ?? 1, output });
    });
  });
}
