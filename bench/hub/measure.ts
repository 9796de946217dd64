/** What the proxy benchmark measures besides rates: CPU time of a process per operation, and the load. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** CPU seconds (user + system) a process has used so far: this process's own, or another's from /proc. */
export function cpuSeconds(pid?: number): number {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** Runs `fn` and returns its result with the CPU microseconds the proxy process spent per operation. */
export async function measured<T extends { ops: number }>(
  pid: number | undefined,
  fn: () => Promise<T>,
): Promise<T & { cpuUs: number }> {
  const c0 = cpuSeconds(pid);
  const r = await fn();
  return { ...r, cpuUs: ((cpuSeconds(pid) - c0) * 1e6) / Math.max(1, r.ops) };
}

export const load = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
export const num = (x: number) => Math.round(x).toLocaleString('en-US');
