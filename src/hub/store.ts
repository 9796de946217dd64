/**
 * The hub's state in the database (migrations area `hub`): users' servers (the default one, name '', and
 * named ones; a stopped named server keeps its row until it is removed), so that a restarted TerraHub
 * re-adopts them, browser sessions (stored as hashes only), and measured home directory usage.
 */
import { migrate, type Db, type Migration } from '../core/db.ts';
import type { LaunchState } from './launcher/types.ts';

export const HUB_MIGRATIONS: Migration[] = [
  `CREATE TABLE hub_servers (
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     name TEXT NOT NULL DEFAULT '',
     state TEXT NOT NULL,
     profile TEXT NOT NULL,
     port INTEGER,
     secret TEXT,
     launch TEXT,
     api_token_id TEXT,
     limits TEXT,
     started_at TEXT,
     ready_at TEXT,
     last_activity TEXT,
     stopped_at TEXT,
     stop_reason TEXT,
     log_tail TEXT,
     PRIMARY KEY (user_id, name)
   );
   CREATE TABLE hub_sessions (
     hub_hash TEXT PRIMARY KEY,
     user_hash TEXT NOT NULL UNIQUE,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     csrf TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE TABLE hub_home_usage (
     user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
     bytes INTEGER NOT NULL,
     measured_at TEXT NOT NULL
   );`,
  // The provider's ID token of an OIDC login, kept only with hub.oidc.logoutAtProvider (the logout's hint).
  `ALTER TABLE hub_sessions ADD COLUMN id_token TEXT`,
];

export type ServerState = 'stopped' | 'pending' | 'running' | 'stopping';

export interface ServerRow {
  userId: number;
  name: string;
  state: ServerState;
  profile: string;
  port: number | null;
  /** The token the proxy sends to the Jupyter server; never shown to anyone. */
  secret: string | null;
  launch: LaunchState | null;
  apiTokenId: string | null;
  limits: string | null;
  startedAt: string | null;
  readyAt: string | null;
  lastActivity: string | null;
  stoppedAt: string | null;
  stopReason: string | null;
  logTail: string | null;
}

interface Raw {
  user_id: number;
  name: string;
  state: string;
  profile: string;
  port: number | null;
  secret: string | null;
  launch: string | null;
  api_token_id: string | null;
  limits: string | null;
  started_at: string | null;
  ready_at: string | null;
  last_activity: string | null;
  stopped_at: string | null;
  stop_reason: string | null;
  log_tail: string | null;
}

const COLUMNS: Record<keyof ServerRow, keyof Raw> = {
  userId: 'user_id',
  name: 'name',
  state: 'state',
  profile: 'profile',
  port: 'port',
  secret: 'secret',
  launch: 'launch',
  apiTokenId: 'api_token_id',
  limits: 'limits',
  startedAt: 'started_at',
  readyAt: 'ready_at',
  lastActivity: 'last_activity',
  stoppedAt: 'stopped_at',
  stopReason: 'stop_reason',
  logTail: 'log_tail',
};

function toRow(r: Raw): ServerRow {
  return {
    userId: r.user_id,
    name: r.name,
    state: r.state as ServerState,
    profile: r.profile,
    port: r.port,
    secret: r.secret,
    launch: r.launch ? (JSON.parse(r.launch) as LaunchState) : null,
    apiTokenId: r.api_token_id,
    limits: r.limits,
    startedAt: r.started_at,
    readyAt: r.ready_at,
    lastActivity: r.last_activity,
    stoppedAt: r.stopped_at,
    stopReason: r.stop_reason,
    logTail: r.log_tail,
  };
}

export class ServerStore {
  constructor(private readonly db: Db) {
    migrate(db, 'hub', HUB_MIGRATIONS);
  }

  get(userId: number, name = ''): ServerRow | null {
    const r = this.db
      .prepare('SELECT * FROM hub_servers WHERE user_id = ? AND name = ?')
      .get(userId, name) as Raw | undefined;
    return r ? toRow(r) : null;
  }

  /** All servers of one user, the default server ('') first, then named servers by name. */
  ofUser(userId: number): ServerRow[] {
    return (
      this.db.prepare('SELECT * FROM hub_servers WHERE user_id = ? ORDER BY name').all(userId) as Raw[]
    ).map(toRow);
  }

  /** Forgets a (stopped) named server entirely. */
  remove(userId: number, name: string): void {
    this.db.prepare('DELETE FROM hub_servers WHERE user_id = ? AND name = ?').run(userId, name);
  }

  /** Servers not stopped (running, starting or stopping). */
  active(): ServerRow[] {
    return (this.db.prepare("SELECT * FROM hub_servers WHERE state != 'stopped'").all() as Raw[]).map(toRow);
  }

  /** Creates or replaces the row with these fields (others null). */
  put(row: Pick<ServerRow, 'userId' | 'name' | 'state' | 'profile'> & Partial<ServerRow>): void {
    this.db
      .prepare('INSERT OR REPLACE INTO hub_servers (user_id, name, state, profile) VALUES (?, ?, ?, ?)')
      .run(row.userId, row.name, row.state, row.profile);
    this.update(row.userId, row.name, row);
  }

  update(userId: number, name: string, patch: Partial<ServerRow>): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(patch) as [keyof ServerRow, unknown][]) {
      if (k === 'userId' || k === 'name' || v === undefined) continue;
      sets.push(`${COLUMNS[k]} = ?`);
      values.push(k === 'launch' && v !== null ? JSON.stringify(v) : v);
    }
    if (!sets.length) return;
    this.db
      .prepare(`UPDATE hub_servers SET ${sets.join(', ')} WHERE user_id = ? AND name = ?`)
      .run(...values, userId, name);
  }

  homeUsage(userId: number): { bytes: number; measuredAt: string } | null {
    const r = this.db
      .prepare('SELECT bytes, measured_at FROM hub_home_usage WHERE user_id = ?')
      .get(userId) as { bytes: number; measured_at: string } | undefined;
    return r ? { bytes: r.bytes, measuredAt: r.measured_at } : null;
  }

  setHomeUsage(userId: number, bytes: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO hub_home_usage (user_id, bytes, measured_at) VALUES (?, ?, ?)')
      .run(userId, bytes, new Date().toISOString());
  }
}
