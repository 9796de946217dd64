/** The identity model: users, tokens, S3 credentials, and the first-start bootstrap of the admin user. */
import type { Db } from '../db.ts';
import { migrate } from '../db.ts';
import { randomString } from './secrets.ts';
import { TokenStore } from './tokens.ts';
import { IDENTITY_MIGRATIONS, UserStore } from './users.ts';

export { ANONYMOUS, type Principal, type TokenModel } from './tokens.ts';
export { type User, validateUserName } from './users.ts';
export { SCOPES, type Scope, ownerScopes } from './scopes.ts';

export class Identity {
  readonly users: UserStore;
  readonly tokens: TokenStore;

  constructor(db: Db, opts: { tokenMaxAgeMs: number }) {
    migrate(db, 'identity', IDENTITY_MIGRATIONS);
    this.users = new UserStore(db);
    this.tokens = new TokenStore(db, this.users, opts.tokenMaxAgeMs);
  }

  /**
   * Makes the `admin` user on first start. With a configured token and/or password they are seeded; with
   * neither, a one-time password is made and returned so the caller can print it once.
   * A configured token is (re)seeded on every start if missing, so setting TERRAHUB_ADMIN_TOKEN later works.
   */
  async bootstrap(seed: { token: string; password: string }): Promise<{ oneTimePassword: string | null }> {
    let oneTimePassword: string | null = null;
    let admin = this.users.find('admin');
    if (!admin) {
      const password = seed.password || (seed.token ? '' : (oneTimePassword = randomString(20)));
      admin = await this.users.create({ name: 'admin', admin: true, ...(password ? { password } : {}) });
    }
    if (seed.token && !this.tokens.authenticate(seed.token)) {
      this.tokens.create(admin, { token: seed.token, note: 'bootstrap (TERRAHUB_ADMIN_TOKEN)' });
    }
    return { oneTimePassword };
  }
}
