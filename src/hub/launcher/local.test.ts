import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { launcherContract } from './launcher.contract.ts';
import { LocalLauncher } from './local.ts';
import { cgroupDirs, cgroupUnavailableReason } from './cgroups.ts';
import type { LaunchState } from './types.ts';

launcherContract('local', () => new LocalLauncher());

const spec = (script: string, limits: { memoryBytes?: number; cpus?: number }) => ({
  command: '/bin/sh',
  args: ['-c', script],
  env: { PATH: '/usr/bin:/bin' },
  cwd: '/',
  logFile: '/dev/null',
  limits,
});

async function exitedWithin(launcher: LocalLauncher, state: LaunchState, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if ((await launcher.poll(state)) === 'exited') return true;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return false;
}

void test('limits are written to the cgroup, or reported with the reason they are not', async () => {
  const launcher = new LocalLauncher();
  const state = await launcher.start(spec('exec sleep 30', { memoryBytes: 512 * 1024 * 1024, cpus: 1.5 }));
  try {
    const why = cgroupUnavailableReason();
    if (why) {
      assert.equal(state.limits, why);
      return;
    }
    const pid = Number(state.id.split(':')[0]);
    const dirs = cgroupDirs(pid);
    const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();
    if (state.limits === 'cgroup-v2') {
      assert.equal(read(dirs[0]!, 'memory.max'), String(512 * 1024 * 1024));
      assert.equal(read(dirs[0]!, 'cpu.max'), '150000 100000');
    } else {
      assert.equal(state.limits, 'cgroup-v1');
      assert.equal(read(dirs[0]!, 'memory.limit_in_bytes'), String(512 * 1024 * 1024));
      assert.equal(read(dirs[1]!, 'cpu.cfs_quota_us'), '150000');
      assert.equal(read(dirs[1]!, 'cpu.cfs_period_us'), '100000');
    }
    for (const dir of dirs) assert.match(read(dir, 'cgroup.procs'), new RegExp(`^${pid}$`, 'm'));
  } finally {
    await launcher.stop(state, 2000);
  }
});

void test('a server over its memory limit is stopped by the kernel where limits are enforced', async () => {
  const launcher = new LocalLauncher();
  // Sleeps first so that it is in its cgroup before it allocates, then touches 256 MiB (limit: 64 MiB).
  const hog = 'sleep 1; exec python3 -c "x = bytearray(256 * 1024 * 1024); import time; time.sleep(30)"';
  const state = await launcher.start(spec(hog, { memoryBytes: 64 * 1024 * 1024 }));
  try {
    const killed = await exitedWithin(launcher, state, 15_000);
    if (cgroupUnavailableReason()) {
      assert.equal(killed, false, 'not enforced: the allocation succeeds and the process lives on');
    } else {
      assert.equal(killed, true, `enforced (${state.limits}): the out-of-memory killer ends the server`);
    }
  } finally {
    await launcher.stop(state, 2000);
  }
  const pid = Number(state.id.split(':')[0]);
  await launcher.poll(state); // an exited server's cgroup is removed when it is seen gone
  for (const dir of cgroupDirs(pid)) {
    assert.throws(() => readFileSync(join(dir, 'cgroup.procs')), /ENOENT/, `${dir} is removed`);
  }
});
