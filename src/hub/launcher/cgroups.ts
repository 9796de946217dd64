/**
 * Resource limits with cgroups v2 (memory.max, cpu.max), when TerraHub runs as root on a unified hierarchy.
 * Elsewhere limits are reported as not enforced, with the reason, rather than silently ignored.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';
const PARENT = join(ROOT, 'terrahub');

/** Why limits cannot be enforced here, or null when cgroups v2 can be used. */
export function cgroupUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'not enforced: TerraHub does not run as root';
  if (!existsSync(join(ROOT, 'cgroup.controllers'))) return 'not enforced: no cgroup v2 hierarchy';
  const controllers = readFileSync(join(ROOT, 'cgroup.controllers'), 'utf8');
  if (!/\bmemory\b/.test(controllers) || !/\bcpu\b/.test(controllers))
    return 'not enforced: the cgroup v2 memory/cpu controllers are not available';
  return null;
}

/** Puts `pid` in its own cgroup with the limits. Returns how the limits were applied. */
export function applyCgroupLimits(
  pid: number,
  limits: { memoryBytes?: number | undefined; cpus?: number | undefined },
): string {
  if (!limits.memoryBytes && !limits.cpus) return 'none requested';
  const why = cgroupUnavailableReason();
  if (why) return why;
  try {
    mkdirSync(PARENT, { recursive: true });
    // Controllers must be enabled in every ancestor's subtree_control for the leaf to get the files.
    writeFileSync(join(ROOT, 'cgroup.subtree_control'), '+memory +cpu');
    writeFileSync(join(PARENT, 'cgroup.subtree_control'), '+memory +cpu');
    const dir = join(PARENT, `p${pid}`);
    mkdirSync(dir, { recursive: true });
    if (limits.memoryBytes) writeFileSync(join(dir, 'memory.max'), String(limits.memoryBytes));
    if (limits.cpus) writeFileSync(join(dir, 'cpu.max'), `${Math.round(limits.cpus * 100000)} 100000`);
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    return 'cgroup-v2';
  } catch (e) {
    return `not enforced: cgroup setup failed (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
}

/** Removes the cgroup of a process that has exited (an empty cgroup can be removed). */
export function removeCgroup(pid: number): void {
  try {
    rmdirSync(join(PARENT, `p${pid}`));
  } catch {
    /* not made, or still busy: harmless */
  }
}
