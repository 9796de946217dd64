/**
 * What the OIDC login keeps in the state database:
 * - links: which TerraHub user a provider account (issuer + subject) logs in as. The subject, not the user
 *   name, is the key, so a name changed at the provider still reaches the same user, and one provider
 *   account can never take over another's TerraHub user;
 * - flows: logins under way (state, nonce, PKCE verifier, where to go next), found by the hash of the
 *   random id in the browser's short-lived `terrahub-oidc` cookie, used once, expiring after ten minutes.
 */
import { createHash } from 'node:crypto';
import { migrate, type Db, type Migration } from '../../core/db.ts';

const MIGRATIONS: Migration[] = [
  `CREATE TABLE hub_oidc_links (
     issuer TEXT NOT NULL,
     subject TEXT NOT NULL,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at TEXT NOT NULL,
     last_login TEXT,
     PRIMARY KEY (issuer, subject)
   );
   CREATE INDEX hub_oidc_links_user ON hub_oidc_links(user_id);
   CREATE TABLE hub_oidc_flows (
     id_hash TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     nonce TEXT NOT NULL,
     verifier TEXT NOT NULL,
     next TEXT NOT NULL,
     link_user_id INTEGER,
     expires_at TEXT NOT NULL
   );`,
];

export const FLOW_MAX_AGE_MS = 10 * 60_000;

export interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  /** Set when a logged-in user is linking this provider account to their TerraHub user. */
  linkUserId: number | null;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

export class OidcStore {
  constructor(private readonly db: Db) {
    migrate(db, 'hub-oidc', MIGRATIONS);
  }

  /** The TerraHub user id a provider account is linked to. */
  linkedUser(issuer: string, subject: string): number | null {
    const r = this.db
      .prepare('SELECT user_id FROM hub_oidc_links WHERE issuer = ? AND subject = ?')
      .get(issuer, subject) as { user_id: number } | undefined;
    return r?.user_id ?? null;
  }

  /** The provider subject a TerraHub user is linked to at this issuer. */
  subjectOf(issuer: string, userId: number): string | null {
    const r = this.db
      .prepare('SELECT subject FROM hub_oidc_links WHERE issuer = ? AND user_id = ?')
      .get(issuer, userId) as { subject: string } | undefined;
    return r?.subject ?? null;
  }

  link(issuer: string, subject: string, userId: number): void {
    this.db
      .prepare(
        `INSERT INTO hub_oidc_links (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (issuer, subject) DO UPDATE SET user_id = excluded.user_id`,
      )
      .run(issuer, subject, userId, new Date().toISOString());
  }

  touch(issuer: string, subject: string): void {
    this.db
      .prepare('UPDATE hub_oidc_links SET last_login = ? WHERE issuer = ? AND subject = ?')
      .run(new Date().toISOString(), issuer, subject);
  }

  /** Saves a flow under the browser's cookie id; old expired flows are swept at the same time. */
  saveFlow(id: string, flow: Flow): void {
    const now = Date.now();
    this.db.prepare('DELETE FROM hub_oidc_flows WHERE expires_at <= ?').run(new Date(now).toISOString());
    this.db
      .prepare(
        `INSERT INTO hub_oidc_flows (id_hash, state, nonce, verifier, next, link_user_id, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        hash(id),
        flow.state,
        flow.nonce,
        flow.verifier,
        flow.next,
        flow.linkUserId,
        new Date(now + FLOW_MAX_AGE_MS).toISOString(),
      );
  }

  /** Takes a flow out (a flow is used once): null when there is none or it expired. */
  takeFlow(id: string | undefined): Flow | null {
    if (!id) return null;
    const r = this.db.prepare('DELETE FROM hub_oidc_flows WHERE id_hash = ? RETURNING *').get(hash(id)) as
      | {
          state: string;
          nonce: string;
          verifier: string;
          next: string;
          link_user_id: number | null;
          expires_at: string;
        }
      | undefined;
    if (!r || Date.parse(r.expires_at) <= Date.now()) return null;
    return { state: r.state, nonce: r.nonce, verifier: r.verifier, next: r.next, linkUserId: r.link_user_id };
  }
}
