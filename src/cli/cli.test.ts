/** The `terrahub` command as a script sees it: help everywhere, exit codes, users and tokens on a data dir. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { program } from './main.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'terrahub.js');

function run(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TERRAHUB_')));
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...opts.env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(opts.input ?? '');
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

function allCommands(c: Command, path: string[] = []): Array<{ path: string[]; cmd: Command }> {
  return c.commands.flatMap((sub) => [
    { path: [...path, sub.name()], cmd: sub },
    ...allCommands(sub, [...path, sub.name()]),
  ]);
}

test('every command has a description and help text', async () => {
  const cmds = allCommands(await program());
  assert.ok(cmds.length >= 12, `found ${cmds.length} commands`);
  for (const { path, cmd } of cmds) {
    assert.ok(cmd.description().length > 5, `${path.join(' ')} needs a description`);
    assert.match(cmd.helpInformation(), /Usage: /, path.join(' '));
  }
});

test('--help works from the shell and exits 0; a bad command exits 2', async () => {
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  for (const c of ['up', 'user', 'token', 'config', 'credentials'])
    assert.match(top.out, new RegExp(`\\b${c}\\b`));
  const sub = await run(['user', 'add', '--help']);
  assert.equal(sub.code, 0);
  assert.match(sub.out, /--admin/);
  const bad = await run(['no-such-command']);
  assert.equal(bad.code, 2);
});

test('users and tokens through the CLI, with exit codes scripts can use', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrahub-cli-'));
  const env = { TERRAHUB_DATA_DIR: dir };
  try {
    assert.equal((await run(['user', 'add', 'alice', '--group', 'lab'], { env })).code, 0);
    const dup = await run(['user', 'add', 'alice'], { env });
    assert.equal(dup.code, 4);
    assert.match(dup.err, /already exists/);
    assert.doesNotMatch(dup.err, /\n\s+at /);
    assert.equal((await run(['user', 'add', 'Bad Name'], { env })).code, 2);

    const list = await run(['user', 'list', '--json'], { env });
    assert.deepEqual(
      (JSON.parse(list.out) as Array<{ name: string }>).map((u) => u.name),
      ['alice'],
    );

    const created = await run(
      ['token', 'create', '--user', 'alice', '--scope', 'read:catalog', '--expires-in', '1d'],
      {
        env,
      },
    );
    assert.equal(created.code, 0, created.err);
    assert.match(created.out.trim(), /^th_[A-Za-z0-9]{40}$/);
    const tokens = JSON.parse(
      (await run(['token', 'list', '--user', 'alice', '--json'], { env })).out,
    ) as Array<{
      id: string;
      scopes: string[];
    }>;
    assert.deepEqual(tokens[0]!.scopes, ['read:catalog']);
    assert.equal((await run(['token', 'revoke', tokens[0]!.id, '--user', 'alice'], { env })).code, 0);
    assert.equal((await run(['token', 'revoke', tokens[0]!.id, '--user', 'alice'], { env })).code, 3);

    assert.equal(
      (await run(['user', 'set-password', 'alice'], { env, input: 'correct horse battery\n' })).code,
      0,
    );
    assert.equal((await run(['user', 'set-password', 'alice'], { env, input: 'short\n' })).code, 2);

    const creds = await run(['credentials', '--user', 'alice'], { env });
    assert.match(creds.out, /^export AWS_ACCESS_KEY_ID=TH[A-Z0-9]{18}$/m);
    assert.match(creds.out, /^export AWS_SECRET_ACCESS_KEY=\S{40}$/m);

    const shown = await run(['config', 'show', '--json'], {
      env: { ...env, TERRAHUB_ADMIN_TOKEN: 'sekret' },
    });
    const cfg = JSON.parse(shown.out) as Record<string, unknown>;
    assert.equal(cfg['admin.token'], '********');
    assert.equal(cfg['dataDir'], dir);
    assert.doesNotMatch(shown.out, /sekret/);

    assert.equal((await run(['user', 'remove', 'alice'], { env })).code, 0);
    assert.equal((await run(['user', 'remove', 'alice'], { env })).code, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
