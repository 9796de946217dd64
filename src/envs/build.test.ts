// Builds real venvs with real pip installs (PyPI, or pip's cache) from a tiny one-package profile, so the
// mechanics (progress, no-op re-run, failures naming the package, the client and its start-up hook) are
// tested in seconds; the full default profile is built by the notebook tests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTerraHubError } from '../core/errors.ts';
import { acquireBuildLock } from './build-lock.ts';
import { buildEnvironment, environmentStatus, pythonOf, STAMP_FILE } from './build.ts';
import { findProfile, listProfiles } from './profiles.ts';

let root: string;
let profilesDir: string;
const PYTHON = 'python3';

function profile(name: string, lock: string): void {
  mkdirSync(join(profilesDir, name), { recursive: true });
  writeFileSync(join(profilesDir, name, 'requirements.lock.txt'), lock);
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'terrahub-envs-'));
  profilesDir = join(root, 'profiles');
  profile('tiny', '# one small pure-Python package\nsix==1.17.0\n');
  profile('broken', 'six==0.0.999\n');
});
after(() => rmSync(root, { recursive: true, force: true }));

void test('profiles: built-in default, the admin directory, and a precise error for unknown names', () => {
  assert.ok(listProfiles().includes('default'));
  assert.deepEqual(listProfiles(profilesDir), ['broken', 'default', 'tiny']);
  assert.equal(findProfile('tiny', profilesDir).lockFile, join(profilesDir, 'tiny', 'requirements.lock.txt'));
  assert.throws(
    () => findProfile('nope', profilesDir),
    (e: unknown) => {
      assert.ok(isTerraHubError(e));
      assert.equal(e.code, 'TH_ENV_PROFILE_NOT_FOUND');
      assert.match(e.message, /no environment profile "nope" \(known: broken, default, tiny\)/);
      return true;
    },
  );
  assert.throws(() => findProfile('../etc', profilesDir), { code: 'TH_ENV_PROFILE_NOT_FOUND' });
});

void test('a build installs the pinned packages and the client, reports progress, and a re-run is a no-op', async () => {
  const envsDir = join(root, 'envs');
  const messages: string[] = [];
  const p = findProfile('tiny', profilesDir);
  const r = await buildEnvironment({
    envsDir,
    profile: p,
    python: PYTHON,
    onProgress: (m) => messages.push(m),
  });
  assert.equal(r.changed, true);
  assert.equal(r.dir, join(envsDir, 'tiny'));
  assert.ok(messages.includes('[1/1] six==1.17.0'), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('environment "tiny" is ready')));
  assert.ok(existsSync(join(r.dir, STAMP_FILE)));
  assert.equal(environmentStatus(envsDir, p).upToDate, true);

  // The pinned package, the client and its start-up hook are importable in the venv.
  const py = spawnSync(
    pythonOf(r.dir),
    [
      '-c',
      'import six, sys, terrahub, terrahub_autoconfig; print(six.__version__, "terrahub_autoconfig" in sys.modules)',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), '1.17.0 True');

  const again: string[] = [];
  const r2 = await buildEnvironment({
    envsDir,
    profile: p,
    python: PYTHON,
    onProgress: (m) => again.push(m),
  });
  assert.equal(r2.changed, false);
  assert.equal(r2.hash, r.hash);
  assert.match(again.join('\n'), /is up to date/);

  // A changed lock makes it stale; the rebuild happens in place.
  writeFileSync(p.lockFile, readFileSync(p.lockFile, 'utf8') + '\n# touched\n');
  assert.equal(environmentStatus(envsDir, p).upToDate, false);
});

void test('a failing package is named in the error, with the reason', async () => {
  const envsDir = join(root, 'envs-broken');
  await assert.rejects(
    buildEnvironment({ envsDir, profile: findProfile('broken', profilesDir), python: PYTHON }),
    (e: unknown) => {
      assert.ok(isTerraHubError(e));
      assert.equal(e.code, 'TH_ENV_BUILD_FAILED');
      assert.equal(e.details?.['package'], 'six==0.0.999');
      assert.match(
        e.message,
        /building environment "broken" failed: package "six==0.0.999": no matching distribution/,
      );
      return true;
    },
  );
  assert.equal(existsSync(join(envsDir, 'broken', STAMP_FILE)), false);
});

void test('a missing interpreter is a precise error', async () => {
  await assert.rejects(
    buildEnvironment({
      envsDir: join(root, 'envs-nopy'),
      profile: findProfile('tiny', profilesDir),
      python: join(root, 'no-such-python'),
    }),
    /could not create a venv with ".*no-such-python"/,
  );
});

void test('two builds of one environment do not run at once; a stale lock is taken over', async () => {
  const envsDir = join(root, 'envs-busy');
  mkdirSync(envsDir, { recursive: true });
  const release = acquireBuildLock(join(envsDir, '.tiny.building'), 'tiny');
  try {
    await assert.rejects(
      buildEnvironment({ envsDir, profile: findProfile('tiny', profilesDir), python: PYTHON }),
      { code: 'TH_ENV_BUSY' },
    );
  } finally {
    release();
  }
  // A lock left by a process that is gone (pid 2^22 + 1 is above Linux's pid_max) does not block.
  writeFileSync(join(envsDir, '.tiny.building'), String(4194305));
  const again = acquireBuildLock(join(envsDir, '.tiny.building'), 'tiny');
  again();
  assert.equal(existsSync(join(envsDir, '.tiny.building')), false);
});

void test('aborting a build (TerraHub stopping) stops pip and leaves the environment unstamped', async () => {
  const envsDir = join(root, 'envs-abort');
  const stop = new AbortController();
  await assert.rejects(
    buildEnvironment({
      envsDir,
      profile: findProfile('tiny', profilesDir),
      python: PYTHON,
      signal: stop.signal,
      onProgress: (m) => {
        if (m.startsWith('installing 1 pinned')) stop.abort();
      },
    }),
    /interrupted \(TerraHub is stopping\)/,
  );
  assert.equal(existsSync(join(envsDir, 'tiny', STAMP_FILE)), false);
  assert.equal(existsSync(join(envsDir, '.tiny.building')), false);
});
