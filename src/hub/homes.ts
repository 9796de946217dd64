/**
 * Home directory usage and quotas. Usage is measured by a background walk, one home at a time at most every
 * `hub.usageInterval`, and stored; requests read the stored figure, so no request ever walks a directory
 * tree. TerraHub warns at 90 %, and over quota the control panel says so and uploads through the proxy are
 * refused. With hub.homes.hardQuota `loop` the home is a mounted image of the quota's size (home-images.ts):
 * the kernel refuses writes past it, and usage comes from the file system's counters instead of a walk.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { User } from '../core/identity/index.ts';
import type { HomeImages } from './home-images.ts';
import type { ServerStore } from './store.ts';

export interface HomeStatus {
  used_bytes: number;
  quota_bytes: number;
  measured_at: string | null;
  warning: boolean;
  over_quota: boolean;
}

/** Bytes allocated on disk under `dir` (not following symbolic links). */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue; // vanished or unreadable while walking
    }
    for (const e of entries) {
      const p = join(d, e.name);
      try {
        const st = await lstat(p);
        total += st.blocks * 512;
        if (e.isDirectory()) stack.push(p);
      } catch {
        /* vanished */
      }
    }
  }
  return total;
}

export class Homes {
  constructor(
    private readonly store: ServerStore,
    private readonly homeOf: (user: string) => string,
    private readonly quotaOf: (user: User) => number,
    private readonly images: HomeImages | null = null,
  ) {}

  /** Homes whose image is full (a little slack: ext4 keeps some blocks for itself), by user id. */
  private full = new Set<number>();

  async measure(user: User): Promise<number> {
    const home = this.homeOf(user.name);
    const mounted = this.images ? await this.images.usage(home) : null;
    if (this.images && !mounted && this.store.homeUsage(user.id)) {
      return this.store.homeUsage(user.id)!.bytes; // not mounted now: the image keeps the last figure
    }
    const bytes = mounted ? mounted.used : await diskUsage(home);
    if (mounted && mounted.free < 256 * 1024) this.full.add(user.id);
    else this.full.delete(user.id);
    this.store.setHomeUsage(user.id, bytes);
    return bytes;
  }

  status(user: User): HomeStatus {
    const u = this.store.homeUsage(user.id);
    const quota = this.quotaOf(user);
    const used = u?.bytes ?? 0;
    return {
      used_bytes: used,
      quota_bytes: quota,
      measured_at: u?.measuredAt ?? null,
      warning: quota > 0 && used >= 0.9 * quota,
      over_quota: (quota > 0 && used >= quota) || this.full.has(user.id),
    };
  }

  overQuota(user: User): boolean {
    return this.status(user).over_quota;
  }
}
