/**
 * Registered searches (mosaics): a STAC search body stored under an id derived from its content, so the
 * same search registered twice has one id. The body is kept, not its results: every tile runs the search
 * again with the caller's own rights, so an id reveals nothing to someone who cannot see the items.
 */
import { createHash } from 'node:crypto';
import { migrate, type Db } from '../core/db.ts';
import { TerraHubError } from '../core/errors.ts';

const MIGRATIONS = [
  `CREATE TABLE tiler_searches (
     id TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     metadata TEXT NOT NULL,
     created_at TEXT NOT NULL
   );`,
];

/** The search fields a mosaic keeps; paging and field selection make no sense for tiles. */
const KEPT = [
  'collections',
  'ids',
  'bbox',
  'intersects',
  'datetime',
  'filter',
  'filter-lang',
  'query',
  'sortby',
];

export interface RegisteredSearch {
  id: string;
  body: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export class SearchRegistry {
  constructor(private readonly db: Db) {
    migrate(db, 'tiler', MIGRATIONS);
  }

  register(raw: unknown): RegisteredSearch {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new TerraHubError('TH_TILER_BAD_PARAMETER', 'the body must be a STAC search object');
    const given = raw as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    for (const k of KEPT) if (given[k] !== undefined) body[k] = given[k];
    const metadata =
      given['metadata'] && typeof given['metadata'] === 'object'
        ? (given['metadata'] as Record<string, unknown>)
        : {};
    const id = createHash('sha256').update(canonical(body)).digest('hex').slice(0, 32);
    this.db
      .prepare(
        `INSERT INTO tiler_searches (id, body, metadata, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET metadata = excluded.metadata`,
      )
      .run(id, JSON.stringify(body), JSON.stringify(metadata), new Date().toISOString());
    return { id, body, metadata };
  }

  get(id: string): RegisteredSearch {
    const row = this.db.prepare('SELECT id, body, metadata FROM tiler_searches WHERE id = ?').get(id) as
      { id: string; body: string; metadata: string } | undefined;
    if (!row) throw new TerraHubError('TH_TILER_SEARCH_NOT_FOUND', `no registered search "${id}"`);
    return {
      id: row.id,
      body: JSON.parse(row.body) as Record<string, unknown>,
      metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    };
  }
}
