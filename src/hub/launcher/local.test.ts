import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launcherContract } from './launcher.contract.ts';
import { LocalLauncher } from './local.ts';
import { cgroupUnavailableReason } from './cgroups.ts';

launcherContract('local', () => new LocalLauncher());

void test('limits are reported as enforced or with the reason they are not', async () => {
  const launcher = new LocalLauncher();
  const state = await launcher.start({
    command: '/bin/sh',
    args: ['-c', 'exec sleep 30'],
    env: { PATH: '/usr/bin:/bin' },
    cwd: '/',
    logFile: '/dev/null',
    limits: { memoryBytes: 512 * 1024 * 1024, cpus: 1 },
  });
  try {
    const why = cgroupUnavailableReason();
    assert.equal(state.limits, why ?? 'cgroup-v2');
  } finally {
    await launcher.stop(state, 2000);
  }
});
