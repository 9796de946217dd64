/**
 * Hard home quotas with one loop-mounted ext4 image per user (hub.homes.hardQuota `loop`): the home
 * `DATA/homes/{name}` is the mount point of `DATA/hub/home-images/{name}.img`, a file of the quota's size, so
 * a write past the quota fails with ENOSPC in the kernel, whoever writes (a notebook, `dd` in a terminal).
 * Needs root (mount) and a kernel that allows loop devices. Why an image and not project quotas: the image
 * works on any file system the data directory lives on, with no mount option on the host's file system;
 * the price is a fixed-size file per user (allocated up front) and a mount per home.
 *
 * The image is made on the user's first start (an existing home is copied into it), grown when the quota
 * grew (shrinking is not done: it could lose data), mounted before a server starts and unmounted when
 * TerraHub stops and none of the user's servers runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TerraHubError } from '../core/errors.ts';

const run = promisify(execFile);

/** Runs a command; exit codes up to `okUpTo` count as success (e2fsck: 1 means it fixed something). */
async function sh(cmd: string, args: string[], okUpTo = 0): Promise<void> {
  try {
    await run(cmd, args, { timeout: 120_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: unknown };
    if (typeof err.code === 'number' && err.code <= okUpTo) return;
    throw new TerraHubError(
      'TH_HUB_HARD_QUOTA',
      `${cmd} ${args.join(' ')}: ${(err.stderr || err.message).trim()}`,
    );
  }
}

/** Whether `dir` is a mount point (listed in /proc/self/mountinfo). */
export function isMountPoint(dir: string): boolean {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return false;
  }
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return lines.some((l) => l.split(' ')[4]?.replace(/\\040/g, ' ') === real);
}

/** The image size for a quota: whole 4 KiB blocks (resize2fs would round down anyway), at least 4 MiB. */
export const imageSize = (quotaBytes: number) => Math.max(4 << 20, Math.floor(quotaBytes / 4096) * 4096);

export class HomeImages {
  private readonly dir: string;
  /** One change at a time per user: two servers of one user starting together must not mount twice. */
  private locks = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    if (process.getuid?.() !== 0) {
      throw new TerraHubError(
        'TH_HUB_HARD_QUOTA',
        'hub.homes.hardQuota "loop" mounts an image per home and needs TerraHub to run as root',
      );
    }
    this.dir = join(dataDir, 'hub', 'home-images');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  imageOf(user: string): string {
    return join(this.dir, `${user}.img`);
  }

  private serial(user: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.locks.get(user) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.locks.set(user, next);
    return next;
  }

  /** Makes `home` the mount of the user's image (made or grown to `quotaBytes`) unless it is one already. */
  prepare(user: string, home: string, quotaBytes: number): Promise<void> {
    const bytes = imageSize(quotaBytes);
    return this.serial(user, async () => {
      mkdirSync(home, { recursive: true, mode: 0o700 });
      if (isMountPoint(home)) return;
      const img = this.imageOf(user);
      if (!existsSync(img)) await this.create(img, home, bytes);
      else if (statSync(img).size < bytes) await this.grow(img, bytes);
      await sh('mount', ['-o', 'loop,nosuid,nodev', img, home]);
    });
  }

  private async create(img: string, home: string, bytes: number): Promise<void> {
    const partial = `${img}.partial`;
    rmSync(partial, { force: true });
    await sh('fallocate', ['-l', String(bytes), partial]);
    // -m 0: no blocks reserved for root, the user gets the whole quota (less the file system's own overhead).
    await sh('mkfs.ext4', ['-q', '-F', '-m', '0', '-L', 'terrahub-home', partial]);
    const tmp = await mkdtemp(join(this.dir, 'fill-'));
    try {
      await sh('mount', ['-o', 'loop', partial, tmp]);
      try {
        rmSync(join(tmp, 'lost+found'), { recursive: true, force: true });
        // An existing home moves into the image; one larger than the quota fails here (ENOSPC), untouched.
        if (readdirSync(home).length) await sh('cp', ['-a', `${home}/.`, tmp]);
      } finally {
        await sh('umount', [tmp]);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    await sh('mv', [partial, img]);
    // The old copy would stay hidden under the mount, still using the host's disk.
    for (const e of readdirSync(home)) rmSync(join(home, e), { recursive: true, force: true });
  }

  private async grow(img: string, bytes: number): Promise<void> {
    await sh('truncate', ['-s', String(bytes), img]);
    await sh('e2fsck', ['-f', '-p', img], 1);
    await sh('resize2fs', [img]);
  }

  /** Unmounts the user's home (call only when none of their servers runs); false when it stays busy. */
  async release(user: string, home: string): Promise<boolean> {
    let ok = true;
    await this.serial(user, async () => {
      if (!isMountPoint(home)) return;
      try {
        await sh('umount', [home]);
      } catch {
        ok = false;
      }
    });
    return ok;
  }

  /** Bytes used and still free in a mounted home, from the file system's counters (no walk); null when not mounted. */
  async usage(home: string): Promise<{ used: number; free: number } | null> {
    if (!isMountPoint(home)) return null;
    const s = await statfs(home);
    return { used: (s.blocks - s.bfree) * s.bsize, free: s.bavail * s.bsize };
  }
}
