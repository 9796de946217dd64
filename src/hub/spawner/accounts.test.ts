/**
 * One Unix account per user when TerraHub runs as root: the account is made once, the home is 0700 and
 * owned by it, and a process launched for it runs with its uid. Skipped (with the reason) when not root.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalLauncher } from '../launcher/local.ts';
import { accountName, ensureAccount, ensureHome, removeAccount } from './accounts.ts';

const root = process.getuid?.() === 0;

void test('account names fit useradd and are stable', () => {
  assert.equal(accountName('alice'), 'terrahub-alice');
  const long = accountName('a-very-long-user-name-that-does-not-fit');
  assert.ok(long.length <= 32);
  assert.equal(long, accountName('a-very-long-user-name-that-does-not-fit'));
});

void test(
  'a server runs as terrahub-{name} in a 0700 home',
  { skip: root ? false : 'needs root' },
  async () => {
    const user = `t${process.pid}`;
    const data = mkdtempSync(join(tmpdir(), 'terrahub-accounts-'));
    const home = join(data, 'homes', user);
    try {
      const owner = ensureAccount(user, home);
      assert.equal(owner.account, `terrahub-${user}`);
      assert.deepEqual(ensureAccount(user, home), owner); // made once
      ensureHome(home, owner);
      const st = statSync(home);
      assert.equal(st.mode & 0o777, 0o700);
      assert.equal(st.uid, owner.uid);
      const launcher = new LocalLauncher();
      const log = join(data, 'out.log');
      const state = await launcher.start({
        command: '/bin/sh',
        args: ['-c', 'id -u; touch "$HOME/made-by-me" && echo wrote'],
        env: { PATH: '/usr/bin:/bin', HOME: home },
        cwd: home,
        logFile: log,
        runAs: owner,
      });
      for (let i = 0; i < 100 && (await launcher.poll(state)) === 'running'; i++) await sleep(50);
      const out = readFileSync(log, 'utf8').trim().split('\n');
      assert.equal(out[0], String(owner.uid));
      assert.equal(out[1], 'wrote');
      assert.equal(statSync(join(home, 'made-by-me')).uid, owner.uid);
    } finally {
      removeAccount(user);
      rmSync(data, { recursive: true, force: true });
    }
  },
);
