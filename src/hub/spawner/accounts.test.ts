/**
 * One Unix account per user when TerraHub runs as root: the account is made once, the home is 0700 and
 * owned by it, and a process launched for it runs with its uid. Skipped (with the reason) when not root.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalLauncher } from '../launcher/local.ts';
import { accountName, ensureAccount, ensureHome, removeAccount, runnableByOthers } from './accounts.ts';

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

void test('an environment under a closed directory is not runnable by per-user accounts', () => {
  const base = mkdtempSync(join(tmpdir(), 'terrahub-runnable-'));
  try {
    chmodSync(base, 0o755);
    const open = join(base, 'open');
    const closed = join(base, 'closed');
    mkdirSync(open, { mode: 0o755 });
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(closed, 0o700);
    const python = join(closed, 'python');
    writeFileSync(python, '#!/bin/sh\n', { mode: 0o755 });
    const viaClosed = join(open, 'jupyter-a');
    writeFileSync(viaClosed, `#!${python}\n`, { mode: 0o755 });
    const viaSh = join(open, 'jupyter-b');
    writeFileSync(viaSh, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    assert.equal(runnableByOthers(viaSh), true);
    assert.equal(runnableByOthers(viaClosed), false, 'its interpreter is behind a 0700 directory');
    assert.equal(runnableByOthers(python), false);
    assert.equal(runnableByOthers(join(open, 'missing')), false);
    assert.equal(runnableByOthers('jupyter'), true, 'a PATH command cannot be judged');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
