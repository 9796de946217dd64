/**
 * The contract every Launcher driver passes: `launcherContract('local', () => new LocalLauncher())`.
 * It starts real processes (a POSIX shell), so each driver's test file decides where they run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LaunchSpec, LaunchState, Launcher } from './types.ts';

async function until(fn: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

export function launcherContract(name: string, make: () => Launcher): void {
  void describe(`Launcher contract: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrahub-launcher-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    let n = 0;
    const spec = (script: string, env: Record<string, string> = {}): LaunchSpec => ({
      command: '/bin/sh',
      args: ['-c', script],
      env: { PATH: '/usr/bin:/bin', ...env },
      cwd: dir,
      logFile: join(dir, `log-${++n}.txt`),
    });

    void test('runs the command with exactly the given environment and collects its output', async () => {
      const launcher = make();
      const s = spec('echo "hello $GREETING $HOME"; exec sleep 60', { GREETING: 'world' });
      const state = await launcher.start(s);
      assert.equal(state.driver, launcher.name);
      await until(() => readFileSync(s.logFile, 'utf8').includes('hello'));
      assert.equal(readFileSync(s.logFile, 'utf8').trim(), 'hello world');
      assert.equal(await launcher.poll(state), 'running');
      await launcher.stop(state, 5000);
      assert.equal(await launcher.poll(state), 'exited');
    });

    void test('a process that ended by itself polls as exited', async () => {
      const launcher = make();
      const state = await launcher.start(spec('exit 3'));
      await until(async () => (await launcher.poll(state)) === 'exited');
    });

    void test('stop forces a process that ignores SIGTERM after the grace period', async () => {
      const launcher = make();
      const s = spec(`trap 'echo got-term' TERM; echo ready; while true; do sleep 0.1; done`);
      const state = await launcher.start(s);
      await until(() => readFileSync(s.logFile, 'utf8').includes('ready'));
      await launcher.stop(state, 500);
      assert.equal(await launcher.poll(state), 'exited');
      assert.match(readFileSync(s.logFile, 'utf8'), /got-term/);
    });

    void test('another instance of the driver finds the process from its stored state (re-adoption)', async () => {
      const stored = JSON.stringify(await make().start(spec('exec sleep 60')));
      const state = JSON.parse(stored) as LaunchState;
      const other = make();
      assert.equal(await other.poll(state), 'running');
      await other.stop(state, 5000);
      assert.equal(await other.poll(state), 'exited');
    });

    void test('a state whose process is gone polls as exited', async () => {
      const launcher = make();
      const state = await launcher.start(spec('exit 0'));
      await until(async () => (await launcher.poll(state)) === 'exited');
      await launcher.stop(state, 100); // stopping a gone process is not an error
    });
  });
}
