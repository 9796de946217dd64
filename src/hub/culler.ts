/**
 * The idle culler, built in: a running server with no activity for its profile's idle timeout is stopped,
 * and one older than the profile's maximum age too; each named server on its own activity. Activity is the latest of what the proxy saw and what the
 * Jupyter server reports for its kernels and terminals; a kernel that is busy counts as activity now, so a
 * long computation is never culled. Every decision is logged.
 */
import type { Identity } from '../core/identity/index.ts';
import type { Logger } from '../core/log.ts';
import type { ActivityTracker } from './proxy/activity.ts';
import { jupyterGet } from './spawner/probe.ts';
import { serverKey, serverPrefix } from './spawner/names.ts';
import type { Spawner } from './spawner/spawner.ts';
import type { ServerStore } from './store.ts';

export interface CullerDeps {
  store: ServerStore;
  identity: Identity;
  spawner: Spawner;
  activity: ActivityTracker;
  log: Logger;
}

/** Latest activity of a running server in ms since the epoch (and records it in the database). */
export async function latestActivity(d: CullerDeps, userId: number, name = ''): Promise<number | null> {
  const row = d.store.get(userId, name);
  const user = d.identity.users.byId(userId);
  if (!row || row.state !== 'running' || !row.port || !row.secret || !user) return null;
  const prefix = serverPrefix(user.name, name);
  const times = [
    Date.parse(row.readyAt ?? ''),
    Date.parse(row.lastActivity ?? ''),
    d.activity.get(serverKey(userId, name))?.lastMs ?? 0,
  ];
  // Not /api/status: its last_activity counts every API request, this check's own included. Kernels and
  // terminals report their own last activity, and a busy kernel is activity now.
  type Activity = { last_activity?: string; execution_state?: string };
  const kernels = await jupyterGet<Activity[]>(row.port, `${prefix}api/kernels`, row.secret);
  const terminals = await jupyterGet<Activity[]>(row.port, `${prefix}api/terminals`, row.secret);
  for (const x of [...(kernels ?? []), ...(terminals ?? [])]) {
    times.push(x.execution_state === 'busy' ? Date.now() : Date.parse(x.last_activity ?? ''));
  }
  const latest = Math.max(...times.filter((t) => Number.isFinite(t)));
  d.store.update(userId, name, { lastActivity: new Date(latest).toISOString() });
  return latest;
}

export async function cullOnce(d: CullerDeps): Promise<void> {
  const now = Date.now();
  for (const row of d.store.active()) {
    if (row.state !== 'running') continue;
    const user = d.identity.users.byId(row.userId);
    if (!user) continue;
    let profile;
    try {
      profile = d.spawner.profile(row.profile);
    } catch {
      profile = d.spawner.profile(); // the profile was removed from the configuration: use the default's limits
    }
    const started = Date.parse(row.readyAt ?? row.startedAt ?? '');
    if (profile.maxAgeMs && now - started > profile.maxAgeMs) {
      const ageS = Math.round((now - started) / 1000);
      d.log.info({ user: user.name, server: row.name, ageS }, 'Culler:MaxAge');
      const why = `culled: older than the maximum age of ${Math.round(profile.maxAgeMs / 1000)} s`;
      d.spawner.stop(user, why, row.name);
      continue;
    }
    const latest = await latestActivity(d, row.userId, row.name);
    if (latest === null || !profile.idleTimeoutMs) continue;
    if (now - latest > profile.idleTimeoutMs) {
      const idleS = Math.round((now - latest) / 1000);
      d.log.info({ user: user.name, server: row.name, idleS }, 'Culler:Idle');
      d.spawner.stop(
        user,
        `culled: idle for more than ${Math.round(profile.idleTimeoutMs / 1000)} s`,
        row.name,
      );
    }
  }
}
