/**
 * Unix accounts and home directories of users' servers. When TerraHub runs as root (hub.unixUsers auto/on)
 * each user's server runs as `terrahub-{name}` with a home directory of mode 0700 that only that account
 * (and root) can enter; otherwise servers run as TerraHub's own account (development mode).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { dirname, isAbsolute } from 'node:path';

/** The Unix account name of a hub user; useradd allows 32 characters, so long names are shortened. */
export function accountName(user: string): string {
  const name = `terrahub-${user}`;
  if (name.length <= 32 && /^[a-z_][a-z0-9_.-]*$/.test(name)) return name;
  return `terrahub-${createHash('sha256').update(user).digest('hex').slice(0, 16)}`;
}

function lookup(account: string): { uid: number; gid: number } | null {
  try {
    const uid = Number(
      execFileSync('id', ['-u', account], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
    const gid = Number(
      execFileSync('id', ['-g', account], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
    return { uid, gid };
  } catch {
    return null;
  }
}

/** Makes (once) the account for `user` with `home` as its home directory; returns its ids. */
export function ensureAccount(user: string, home: string): { uid: number; gid: number; account: string } {
  const account = accountName(user);
  let ids = lookup(account);
  if (!ids) {
    // -M: the home directory is made by ensureHome (inside the data directory, with our mode).
    execFileSync('useradd', ['-M', '-d', home, '-s', '/bin/bash', '-U', account], { stdio: 'pipe' });
    ids = lookup(account);
    if (!ids) throw new Error(`useradd made no account ${account}`);
  }
  return { ...ids, account };
}

/** Removes the account (its files stay in the data directory). */
export function removeAccount(user: string): void {
  try {
    execFileSync('userdel', [accountName(user)], { stdio: 'pipe' });
  } catch {
    /* none */
  }
}

/**
 * Makes the home directory (mode 0700, owned by `owner` when given). Parents that other accounts must pass
 * through get the search bit for others (0711): they can reach their own home but not list the others.
 */
export function ensureHome(home: string, owner?: { uid: number; gid: number }): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (owner) {
    chownSync(home, owner.uid, owner.gid);
    for (let d = dirname(home), i = 0; i < 2; d = dirname(d), i++) {
      const mode = statSync(d).mode & 0o777;
      if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
    }
  }
  chmodSync(home, 0o700);
}

/** A file other accounts may execute, reached through directories they may pass. */
function openToOthers(path: string): boolean {
  const real = realpathSync(path);
  if ((statSync(real).mode & 0o005) !== 0o005) return false;
  for (let d = dirname(real); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/**
 * Whether a per-user account could run `command`: the file, and the interpreter its `#!` line names (a venv's
 * Python is often a link into a home such as /root/.pyenv that no other account may enter). Commands found
 * on PATH cannot be judged here and count as runnable.
 */
export function runnableByOthers(command: string): boolean {
  if (!isAbsolute(command)) return true;
  try {
    const head = Buffer.alloc(256);
    const fd = openSync(command, 'r');
    try {
      readSync(fd, head, 0, 256, 0);
    } finally {
      closeSync(fd);
    }
    const interpreter = /^#!\s*(\S+)/.exec(head.toString('latin1'))?.[1];
    return openToOthers(command) && (!interpreter || openToOthers(interpreter));
  } catch {
    return false;
  }
}
