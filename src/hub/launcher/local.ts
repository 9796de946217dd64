/**
 * The `local` Launcher driver: a detached child process (its own session and process group) on this machine.
 * Its identity is the pid plus the process start time from /proc, so a reused pid is never mistaken for it
 * after a restart. Detached processes outlive TerraHub, which is what lets a restarted hub re-adopt them.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyCgroupLimits, removeCgroup } from './cgroups.ts';
import type { LaunchSpec, LaunchState, LaunchStatus, Launcher } from './types.ts';

/** Start time (field 22 of /proc/pid/stat, in clock ticks since boot) and state letter, or null. */
function procStat(pid: number): { start: string; state: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', start: rest[19] ?? '' };
  } catch {
    return null;
  }
}

function parseId(id: string): { pid: number; start: string } {
  const [pid, start] = id.split(':');
  return { pid: Number(pid), start: start ?? '' };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** The state of a process this driver did not start (a benchmark's stand-in server, an operator's import). */
export function localLaunchState(pid: number): LaunchState {
  return {
    driver: 'local',
    id: `${pid}:${procStat(pid)?.start ?? ''}`,
    limits: 'not enforced: not started by TerraHub',
  };
}

export class LocalLauncher implements Launcher {
  readonly name = 'local';

  async start(spec: LaunchSpec): Promise<LaunchState> {
    const out = openSync(spec.logFile, 'a', 0o600);
    try {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', out, out],
        ...(spec.runAs ? { uid: spec.runAs.uid, gid: spec.runAs.gid } : {}),
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      child.unref();
      const limits = applyCgroupLimits(pid, spec.limits ?? {});
      const stat = procStat(pid);
      return { driver: this.name, id: `${pid}:${stat?.start ?? ''}`, limits };
    } finally {
      closeSync(out);
    }
  }

  async poll(state: LaunchState): Promise<LaunchStatus> {
    const { pid, start } = parseId(state.id);
    const stat = procStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X' || (start && stat.start !== start)) {
      removeCgroup(pid);
      return 'exited';
    }
    return 'running';
  }

  async stop(state: LaunchState, graceMs: number): Promise<void> {
    const { pid } = parseId(state.id);
    if ((await this.poll(state)) === 'exited') return;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      if ((await this.poll(state)) === 'exited') return;
      await sleep(100);
    }
    signalGroup(pid, 'SIGKILL');
    for (let i = 0; i < 50 && (await this.poll(state)) === 'running'; i++) await sleep(100);
  }
}
