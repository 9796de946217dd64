/**
 * The Launcher: starts a process somewhere, tells whether it still runs, and stops it. The hub's spawner,
 * batch jobs and Dask clusters are its users; drivers are `local` (here), later `slurm` and `kubernetes`.
 *
 * Narrow on purpose: what a launched process is, is a serializable `LaunchState` the caller stores, so that a
 * restarted TerraHub can ask the same driver about processes an earlier TerraHub started (re-adoption).
 */

export interface LaunchSpec {
  /** Executable (absolute path, or a name looked up on `env.PATH`). */
  command: string;
  args: string[];
  /** The complete environment of the process (nothing is inherited implicitly). */
  env: Record<string, string>;
  cwd: string;
  /** File that receives stdout and stderr (appended). */
  logFile: string;
  /** Run as this Unix account (needs root); omitted: as TerraHub's own account. */
  runAs?: { uid: number; gid: number } | undefined;
  /** Resource limits; drivers that cannot enforce them say so in `LaunchState.limits`. */
  limits?: { memoryBytes?: number | undefined; cpus?: number | undefined } | undefined;
}

/** What a driver needs to find its process again; stored by the caller as JSON. */
export interface LaunchState {
  driver: string;
  /** Driver-specific identity of the process (a pid and its start time for `local`). */
  id: string;
  /** How limits were applied: `cgroup-v2` or `cgroup-v1`, or why they are not (`not enforced: ...`). */
  limits: string;
}

export type LaunchStatus = 'running' | 'exited';

export interface Launcher {
  readonly name: string;
  start(spec: LaunchSpec): Promise<LaunchState>;
  poll(state: LaunchState): Promise<LaunchStatus>;
  /** Asks the process to stop (SIGTERM or the driver's equivalent), then forces it after `graceMs`. */
  stop(state: LaunchState, graceMs: number): Promise<void>;
}
