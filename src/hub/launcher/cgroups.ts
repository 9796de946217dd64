/**
 * Resource limits for users' servers through cgroups, when TerraHub runs as root: cgroup v2 (`memory.max`,
 * `cpu.max`) on a unified hierarchy, else cgroup v1 (`memory.limit_in_bytes`, `cpu.cfs_quota_us`) where the
 * memory and cpu controllers are mounted as v1 hierarchies (older hosts and many containers). Elsewhere limits
 * are reported as not enforced, with the reason, rather than silently ignored.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

export interface Limits {
  memoryBytes?: number | undefined;
  cpus?: number | undefined;
}

/** One way of putting a process in a cgroup with limits. */
interface Hierarchy {
  /** `cgroup-v2` or `cgroup-v1`: what the server model's `limits` says when applied. */
  name: string;
  /** The directories of a process's cgroup (one per controller hierarchy), made and filled by `apply`. */
  dirs(pid: number): string[];
  apply(pid: number, limits: Limits): void;
}

const CPU_PERIOD_US = 100_000;

const v2: Hierarchy = {
  name: 'cgroup-v2',
  dirs: (pid) => [join(ROOT, 'terrahub', `p${pid}`)],
  apply(pid, limits) {
    const parent = join(ROOT, 'terrahub');
    mkdirSync(parent, { recursive: true });
    // Controllers must be enabled in every ancestor's subtree_control for the leaf to get the files.
    writeFileSync(join(ROOT, 'cgroup.subtree_control'), '+memory +cpu');
    writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +cpu');
    const [dir] = this.dirs(pid) as [string];
    mkdirSync(dir, { recursive: true });
    if (limits.memoryBytes) writeFileSync(join(dir, 'memory.max'), String(limits.memoryBytes));
    if (limits.cpus) {
      writeFileSync(join(dir, 'cpu.max'), `${Math.round(limits.cpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`);
    }
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  },
};

const v1: Hierarchy = {
  name: 'cgroup-v1',
  dirs: (pid) => [join(ROOT, 'memory', 'terrahub', `p${pid}`), join(ROOT, 'cpu', 'terrahub', `p${pid}`)],
  apply(pid, limits) {
    const [mem, cpu] = this.dirs(pid) as [string, string];
    if (limits.memoryBytes) {
      mkdirSync(mem, { recursive: true });
      writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // With swap, v1 would page the server out instead of holding it to the limit; cap swap too.
      const memsw = join(mem, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) writeFileSync(memsw, String(limits.memoryBytes));
      writeFileSync(join(mem, 'cgroup.procs'), String(pid));
    }
    if (limits.cpus) {
      mkdirSync(cpu, { recursive: true });
      writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * CPU_PERIOD_US)));
      writeFileSync(join(cpu, 'cgroup.procs'), String(pid));
    }
  },
};

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The hierarchy to use, or why limits cannot be enforced here. */
function detect(): Hierarchy | string {
  if (process.getuid?.() !== 0) return 'not enforced: TerraHub does not run as root';
  const unified = join(ROOT, 'cgroup.controllers');
  if (existsSync(unified)) {
    const controllers = readFileSync(unified, 'utf8');
    if (/\bmemory\b/.test(controllers) && /\bcpu\b/.test(controllers)) return v2;
  }
  const memory = join(ROOT, 'memory', 'cgroup.procs');
  const cpu = join(ROOT, 'cpu', 'cpu.cfs_quota_us');
  if (existsSync(memory) && existsSync(cpu) && writable(memory) && writable(cpu)) return v1;
  return existsSync(unified)
    ? 'not enforced: the cgroup v2 memory/cpu controllers are not available'
    : 'not enforced: no writable cgroup hierarchy with the memory and cpu controllers';
}

let detected: Hierarchy | string | undefined;
const hierarchy = () => (detected ??= detect());

/** Why limits cannot be enforced here, or null when they can. */
export function cgroupUnavailableReason(): string | null {
  const h = hierarchy();
  return typeof h === 'string' ? h : null;
}

/** How limits are applied on this host, for the admin page: `enforced with cgroup v2`, or why not. */
export function limitsMode(): string {
  const h = hierarchy();
  return typeof h === 'string' ? h : `enforced with ${h.name.replace('-', ' ')}`;
}

/** Puts `pid` in its own cgroup with the limits. Returns how the limits were applied. */
export function applyCgroupLimits(pid: number, limits: Limits): string {
  if (!limits.memoryBytes && !limits.cpus) return 'none requested';
  const h = hierarchy();
  if (typeof h === 'string') return h;
  try {
    h.apply(pid, limits);
    return h.name;
  } catch (e) {
    return `not enforced: cgroup setup failed (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
}

/** The cgroup directories of a server's process (for tests and diagnostics); empty when not enforced. */
export function cgroupDirs(pid: number): string[] {
  const h = hierarchy();
  return typeof h === 'string' ? [] : h.dirs(pid);
}

/** Removes the cgroup of a process that has exited (an empty cgroup can be removed). */
export function removeCgroup(pid: number): void {
  for (const dir of cgroupDirs(pid)) {
    try {
      rmdirSync(dir);
    } catch {
      /* not made, or still busy: harmless */
    }
  }
}
