/**
 * Users: name, admin flag, groups, password hash and S3 key pair, in the state database.
 * Other areas react to users coming and going through `onUserCreated` / `onUserDeleted` (the storage area
 * makes each user's home bucket), so the identity code never imports them.
 */
import type { Db, Migration } from '../db.ts';
import { TerraHubError } from '../errors.ts';
import { hashPassword, newS3KeyPair, verifyPassword } from './secrets.ts';

export const IDENTITY_MIGRATIONS: Migration[] = [
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     admin INTEGER NOT NULL DEFAULT 0,
     groups TEXT NOT NULL DEFAULT '[]',
     password_hash TEXT,
     s3_access_key TEXT NOT NULL UNIQUE,
     s3_secret_key TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_activity TEXT
   );
   CREATE TABLE tokens (
     id TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     hash TEXT NOT NULL UNIQUE,
     prefix TEXT NOT NULL,
     scopes TEXT NOT NULL,
     note TEXT NOT NULL DEFAULT '',
     created_at TEXT NOT NULL,
     expires_at TEXT,
     last_used TEXT
   );
   CREATE INDEX tokens_user ON tokens(user_id);`,
];

export interface User {
  id: number;
  name: string;
  admin: boolean;
  groups: string[];
  created: string;
  lastActivity: string | null;
}

interface UserRow {
  id: number;
  name: string;
  admin: number;
  groups: string;
  password_hash: string | null;
  s3_access_key: string;
  s3_secret_key: string;
  created_at: string;
  last_activity: string | null;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function validateUserName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name === '.' || name === '..') {
    throw new TerraHubError(
      'TH_INVALID_USERNAME',
      `invalid user name ${JSON.stringify(name)}: use 1 to 64 lowercase letters, digits, "-", "_" or ".", starting with a letter or digit`,
    );
  }
  return name;
}

function validateGroups(groups: unknown): string[] {
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && NAME_RE.test(g))) {
    throw new TerraHubError(
      'TH_BAD_REQUEST',
      'groups must be a list of names (lowercase letters, digits, -_.)',
    );
  }
  return [...new Set(groups as string[])].sort();
}

function toUser(r: UserRow): User {
  return {
    id: r.id,
    name: r.name,
    admin: r.admin === 1,
    groups: JSON.parse(r.groups) as string[],
    created: r.created_at,
    lastActivity: r.last_activity,
  };
}

type UserListener = (user: User) => void;

export interface NewUser {
  name: string;
  admin?: boolean;
  groups?: string[];
  password?: string;
}

export class UserStore {
  private created: UserListener[] = [];
  private deleted: UserListener[] = [];

  constructor(private readonly db: Db) {}

  /** Called inside the creating transaction: a listener that throws undoes the user. */
  onUserCreated(fn: UserListener): void {
    this.created.push(fn);
  }
  onUserDeleted(fn: UserListener): void {
    this.deleted.push(fn);
  }

  async create(input: NewUser): Promise<User> {
    const name = validateUserName(input.name);
    const groups = validateGroups(input.groups ?? []);
    const hash = input.password ? await hashPassword(input.password) : null;
    const keys = newS3KeyPair();
    return this.db.transaction(() => {
      if (this.find(name)) throw new TerraHubError('TH_USER_EXISTS', `user "${name}" already exists`);
      this.db
        .prepare(
          `INSERT INTO users (name, admin, groups, password_hash, s3_access_key, s3_secret_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          name,
          input.admin ? 1 : 0,
          JSON.stringify(groups),
          hash,
          keys.accessKeyId,
          keys.secretAccessKey,
          now(),
        );
      const user = this.get(name);
      for (const fn of this.created) fn(user);
      return user;
    })();
  }

  find(name: string): User | null {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return r ? toUser(r) : null;
  }

  get(name: string): User {
    const u = this.find(name);
    if (!u) throw new TerraHubError('TH_USER_NOT_FOUND', `no user named "${name}"`);
    return u;
  }

  byId(id: number): User | null {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return r ? toUser(r) : null;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(toUser);
  }

  /** Members of a group, for sharing rules. */
  inGroup(group: string): User[] {
    return this.list().filter((u) => u.groups.includes(group));
  }

  update(name: string, patch: { name?: string; admin?: boolean; groups?: string[] }): User {
    const user = this.get(name);
    const newName = patch.name === undefined ? user.name : validateUserName(patch.name);
    if (newName !== user.name && this.find(newName)) {
      throw new TerraHubError('TH_USER_EXISTS', `user "${newName}" already exists`);
    }
    const groups = patch.groups === undefined ? user.groups : validateGroups(patch.groups);
    const admin = patch.admin === undefined ? user.admin : Boolean(patch.admin);
    this.db
      .prepare('UPDATE users SET name = ?, admin = ?, groups = ? WHERE id = ?')
      .run(newName, admin ? 1 : 0, JSON.stringify(groups), user.id);
    return this.get(newName);
  }

  remove(name: string): void {
    const user = this.get(name);
    this.db.transaction(() => {
      for (const fn of this.deleted) fn(user);
      this.db.prepare('DELETE FROM users WHERE id = ?').run(user.id);
    })();
  }

  async setPassword(name: string, password: string): Promise<void> {
    if (password.length < 8)
      throw new TerraHubError('TH_BAD_REQUEST', 'passwords need at least 8 characters');
    const user = this.get(name);
    const hash = await hashPassword(password);
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, user.id);
  }

  /** The user if the password is right, else null. Takes the same time for unknown users. */
  async checkPassword(name: string, password: string): Promise<User | null> {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    const stored = r?.password_hash ?? DUMMY_HASH;
    const ok = await verifyPassword(password, stored);
    return r && r.password_hash && ok ? toUser(r) : null;
  }

  touch(userId: number): void {
    this.db.prepare('UPDATE users SET last_activity = ? WHERE id = ?').run(now(), userId);
  }

  // --- S3 credentials ---------------------------------------------------------------------------

  credentials(name: string): { accessKeyId: string; secretAccessKey: string } {
    const r = this.db.prepare('SELECT s3_access_key, s3_secret_key FROM users WHERE name = ?').get(name) as
      Pick<UserRow, 's3_access_key' | 's3_secret_key'> | undefined;
    if (!r) throw new TerraHubError('TH_USER_NOT_FOUND', `no user named "${name}"`);
    return { accessKeyId: r.s3_access_key, secretAccessKey: r.s3_secret_key };
  }

  rotateCredentials(name: string): { accessKeyId: string; secretAccessKey: string } {
    const user = this.get(name);
    const keys = newS3KeyPair();
    this.db
      .prepare('UPDATE users SET s3_access_key = ?, s3_secret_key = ? WHERE id = ?')
      .run(keys.accessKeyId, keys.secretAccessKey, user.id);
    return keys;
  }

  /** For SigV4: the user owning an access key and the secret to check the signature with. */
  byAccessKey(accessKeyId: string): { user: User; secretAccessKey: string } | null {
    const r = this.db.prepare('SELECT * FROM users WHERE s3_access_key = ?').get(accessKeyId) as
      UserRow | undefined;
    return r ? { user: toUser(r), secretAccessKey: r.s3_secret_key } : null;
  }
}

// A valid scrypt hash of a random string: checking against it costs what a real check costs.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43);

function now(): string {
  return new Date().toISOString();
}
