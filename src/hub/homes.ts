/**
 * Home directory usage and quotas. Usage is measured by a background walk, one home at a time at most every
 * `hub.usageInterval` (and right after a server stops), and stored; requests read the stored figure, so no
 * request ever walks a directory tree. The quota is soft: TerraHub warns at 90 %, and over quota the control
 * panel says so and uploads through the proxy are refused. No hard file-system limit is set (see docs/hub.md).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { User } from '../core/identity/index.ts';
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
  ) {}

  async measure(user: User): Promise<number> {
    const bytes = await diskUsage(this.homeOf(user.name));
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
      over_quota: quota > 0 && used >= quota,
    };
  }

  overQuota(user: User): boolean {
    return this.status(user).over_quota;
  }
}
