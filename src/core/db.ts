/**
 * The SQLite state database (better-sqlite3 v12, WAL mode) and versioned migrations.
 * Each area owns a named list of migrations (append-only: never edit a released one); `migrate` applies the
 * ones not yet recorded, each in its own transaction, at start-up.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    area TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (area, version))`);
  return db;
}

/** A migration is SQL text, or a function for steps SQL cannot express. */
export type Migration = string | ((db: Db) => void);

/** Applies `migrations[i]` as version i+1 of `area` where not yet applied. Returns how many ran. */
export function migrate(db: Db, area: string, migrations: readonly Migration[]): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations WHERE area = ?').get(area) as {
    v: number | null;
  };
  const current = row.v ?? 0;
  if (current > migrations.length) {
    throw new Error(
      `database has ${area} schema version ${current}, newer than this TerraHub (${migrations.length}): upgrade TerraHub`,
    );
  }
  let ran = 0;
  for (let v = current + 1; v <= migrations.length; v++) {
    const m = migrations[v - 1]!;
    db.transaction(() => {
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.prepare('INSERT INTO schema_migrations (area, version, applied_at) VALUES (?, ?, ?)').run(
        area,
        v,
        new Date().toISOString(),
      );
    })();
    ran++;
  }
  return ran;
}
