/**
 * The bucket registry in the state database: who owns each bucket and its access policy. The ObjectStore
 * driver holds the bytes; this table holds the rules. Also the naming rules for buckets and home buckets.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db, Migration } from '../core/db.ts';
import { TerraHubError } from '../core/errors.ts';

export const STORAGE_MIGRATIONS: Migration[] = [
  `CREATE TABLE storage_buckets (
     name TEXT PRIMARY KEY,
     owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
     home INTEGER NOT NULL DEFAULT 0,
     policy TEXT NOT NULL,
     used_bytes INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL
   );
   CREATE INDEX storage_buckets_owner ON storage_buckets(owner_id);
   CREATE TABLE storage_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/**
 * Who may use a bucket besides its owner and admins. `read` and `readWrite` name users (`user:alice`) or
 * groups (`group:lab`); `public-read` lets anyone, signed in or not, GET, HEAD and list.
 */
export interface BucketPolicy {
  access: 'private' | 'public-read';
  read: string[];
  readWrite: string[];
}

export interface BucketRecord {
  name: string;
  ownerId: number | null;
  home: boolean;
  policy: BucketPolicy;
  /** Bytes stored, kept up to date by each write and recounted from the driver at start. */
  usedBytes: number;
  created: string;
}

export const PRIVATE: BucketPolicy = { access: 'private', read: [], readWrite: [] };
export const PUBLIC_BUCKET = 'public';

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET_RE.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

export function validateBucketName(name: string): string {
  if (!isValidBucketName(name))
    throw new TerraHubError('TH_S3_INVALID_BUCKET_NAME', `invalid bucket name "${name}"`);
  return name;
}

/**
 * The home bucket of a user: the user name itself when it is a valid bucket name, otherwise (too short,
 * `_`, `..`, or an edge that is not a letter or digit) the name with `_` and `.` runs made `-`, cut to 55
 * characters, plus `-` and 7 hex digits of the name's SHA-256, so that the result is stable and distinct.
 */
export function homeBucketName(user: string): string {
  if (isValidBucketName(user) && user !== PUBLIC_BUCKET) return user;
  const base = user
    .replace(/[_.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 55)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(user).digest('hex').slice(0, 7);
  return base ? `${base}-${hash}` : `u-${hash}`;
}

export function validatePolicy(raw: unknown): BucketPolicy {
  const p = raw as Partial<BucketPolicy> | null;
  const entries = (v: unknown) =>
    Array.isArray(v) &&
    v.every((e) => typeof e === 'string' && /^(user|group):[a-z0-9][a-z0-9._-]{0,63}$/.test(e));
  if (
    !p ||
    typeof p !== 'object' ||
    (p.access !== 'private' && p.access !== 'public-read') ||
    !entries(p.read ?? []) ||
    !entries(p.readWrite ?? [])
  ) {
    throw new TerraHubError(
      'TH_S3_MALFORMED_XML',
      'a bucket policy is {"access": "private"|"public-read", "read": ["user:x"|"group:y"...], "readWrite": [...]}',
    );
  }
  return { access: p.access, read: [...new Set(p.read ?? [])], readWrite: [...new Set(p.readWrite ?? [])] };
}

interface Row {
  name: string;
  owner_id: number | null;
  home: number;
  policy: string;
  used_bytes: number;
  created_at: string;
}

const toRecord = (r: Row): BucketRecord => ({
  name: r.name,
  ownerId: r.owner_id,
  home: r.home === 1,
  policy: JSON.parse(r.policy) as BucketPolicy,
  usedBytes: r.used_bytes,
  created: r.created_at,
});

export class BucketRegistry {
  /** Prepared statements by SQL text: every S3 request looks its bucket up, and preparing costs more. */
  private readonly statements = new Map<string, Statement>();
  /**
   * Grows whenever a bucket is added or removed or its policy changes here, so that read decisions cached
   * elsewhere (./s3/fast-get.ts) are dropped at once. Every change of a bucket record must bump it.
   */
  generation = 0;

  constructor(private readonly db: Db) {}

  private st(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  find(name: string): BucketRecord | null {
    const r = this.st('SELECT * FROM storage_buckets WHERE name = ?').get(name) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  all(): BucketRecord[] {
    return (this.st('SELECT * FROM storage_buckets ORDER BY name').all() as Row[]).map(toRecord);
  }

  ownedBy(userId: number): BucketRecord[] {
    const rows = this.st('SELECT * FROM storage_buckets WHERE owner_id = ? ORDER BY name').all(
      userId,
    ) as Row[];
    return rows.map(toRecord);
  }

  /** Adds a bucket; false when the name is taken. */
  add(b: Omit<BucketRecord, 'created' | 'usedBytes'>): boolean {
    const r = this.st(
      'INSERT OR IGNORE INTO storage_buckets (name, owner_id, home, policy, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run(b.name, b.ownerId, b.home ? 1 : 0, JSON.stringify(b.policy), new Date().toISOString());
    this.generation++;
    return r.changes > 0;
  }

  /** Bytes in all the buckets a user owns. */
  usedBy(userId: number): number {
    const r = this.st('SELECT COALESCE(SUM(used_bytes), 0) AS n FROM storage_buckets WHERE owner_id = ?').get(
      userId,
    ) as { n: number };
    return r.n;
  }

  addUsage(name: string, delta: number): void {
    if (delta !== 0) {
      this.st('UPDATE storage_buckets SET used_bytes = MAX(0, used_bytes + ?) WHERE name = ?').run(
        delta,
        name,
      );
    }
  }

  setUsage(name: string, bytes: number): void {
    this.st('UPDATE storage_buckets SET used_bytes = ? WHERE name = ?').run(bytes, name);
  }

  remove(name: string): void {
    this.st('DELETE FROM storage_buckets WHERE name = ?').run(name);
    this.generation++;
  }

  setPolicy(name: string, policy: BucketPolicy): void {
    this.st('UPDATE storage_buckets SET policy = ? WHERE name = ?').run(JSON.stringify(policy), name);
    this.generation++;
  }

  /** A secret kept in the database (made on first use), for the signing service's keys. */
  secret(name: string): string {
    const r = this.st('SELECT value FROM storage_settings WHERE name = ?').get(name) as
      { value: string } | undefined;
    if (r) return r.value;
    const value = randomBytes(30).toString('base64url');
    this.st('INSERT OR IGNORE INTO storage_settings (name, value) VALUES (?, ?)').run(name, value);
    return this.secret(name);
  }
}
