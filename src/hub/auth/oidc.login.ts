/**
 * The OpenID Connect login as a service (no HTTP): `begin` makes a flow and the provider URL to send the
 * browser to; `complete` checks the provider's answer and returns the TerraHub user to log in as.
 *
 * Which user: the one linked to the provider account (issuer + subject); else, for a first login, the user
 * named by the user-name claim: created through the normal path (`identity.users.create`, so storage makes
 * the home bucket as for any new user), or, if that name is taken, refused unless `hub.oidc.linkExisting`
 * is `always`. A logged-in user links their own account by starting the flow from /hub/oauth_link.
 */
import type { Db } from '../../core/db.ts';
import { TerraHubError } from '../../core/errors.ts';
import type { Identity, User } from '../../core/identity/index.ts';
import { randomString } from '../../core/identity/secrets.ts';
import type { Logger } from '../../core/log.ts';
import { mapClaims, type MappedUser } from './oidc.claims.ts';
import { OidcClient, type VerifiedLogin } from './oidc.client.ts';
import type { OidcSettings } from './oidc.config.ts';
import { OidcStore } from './oidc.store.ts';

export interface OidcLoginDeps {
  settings: OidcSettings;
  db: Db;
  identity: Identity;
  log: Logger;
  /** The registered redirect URL: the hub's public URL + /hub/oauth_callback (known once it listens). */
  redirectUri: () => string;
  /** The hub's login page (public URL + /hub/login): where the provider sends the browser after a logout. */
  loginPageUri: () => string;
}

export class OidcLogin {
  readonly settings: OidcSettings;
  private readonly client: OidcClient;
  private readonly store: OidcStore;

  constructor(private readonly d: OidcLoginDeps) {
    this.settings = d.settings;
    this.client = new OidcClient(d.settings, d.log);
    this.store = new OidcStore(d.db);
  }

  /** A new login flow: the id for the browser's flow cookie, and where to send the browser. */
  async begin(next: string, linkUser: User | null): Promise<{ flowId: string; url: string }> {
    const req = await this.client.start(this.d.redirectUri());
    const flowId = randomString(40);
    this.store.saveFlow(flowId, { ...req, next, linkUserId: linkUser?.id ?? null });
    return { flowId, url: req.url };
  }

  /** Checks the answer at the callback against the browser's flow; the user and where to go next. */
  async complete(
    flowId: string | undefined,
    query: URLSearchParams,
  ): Promise<{ user: User; next: string; idToken: string }> {
    const flow = this.store.takeFlow(flowId);
    if (!flow) {
      throw new TerraHubError(
        'TH_HUB_OIDC_STATE',
        'No login was started in this browser, or it took longer than ten minutes: start the login again.',
      );
    }
    if (query.get('state') !== flow.state) throw new TerraHubError('TH_HUB_OIDC_STATE');
    const error = query.get('error');
    if (error) {
      const why = error === 'access_denied' ? 'the login was cancelled or consent refused' : error;
      throw new TerraHubError(
        'TH_HUB_OIDC_DENIED',
        `${this.settings.displayName} did not allow the login: ${why}` +
          (query.get('error_description') ? ` (${query.get('error_description')}).` : '.'),
      );
    }
    const login = await this.client.finish(this.d.redirectUri(), query, flow);
    const mapped = mapClaims(login.claims, this.settings);
    const user =
      flow.linkUserId === null ? await this.userFor(login, mapped) : this.linkTo(login, flow.linkUserId);
    this.store.touch(login.issuer, login.subject);
    const synced = this.sync(user, mapped);
    this.d.log.info({ user: synced.name, subject: login.subject }, 'Oidc:Login');
    return { user: synced, next: flow.next, idToken: login.idToken };
  }

  /** Where to send a browser that logs out (see hub.oidc.logoutAtProvider), or null. */
  logoutUrl(idToken: string): Promise<string | null> {
    return this.client.endSessionUrl(idToken, this.d.loginPageUri());
  }

  private linkTo(login: VerifiedLogin, userId: number): User {
    const user = this.d.identity.users.byId(userId);
    if (!user) throw new TerraHubError('TH_USER_NOT_FOUND', 'The account to link no longer exists.');
    const linked = this.store.linkedUser(login.issuer, login.subject);
    const other = this.store.subjectOf(login.issuer, userId);
    if ((linked !== null && linked !== userId) || (other !== null && other !== login.subject)) {
      throw new TerraHubError(
        'TH_HUB_OIDC_USER_CLASH',
        `This ${this.settings.displayName} account, or your TerraHub account, is already linked to another one.`,
      );
    }
    this.store.link(login.issuer, login.subject, userId);
    this.d.log.info({ user: user.name, subject: login.subject }, 'Oidc:Linked');
    return user;
  }

  private async userFor(login: VerifiedLogin, mapped: MappedUser): Promise<User> {
    const linked = this.store.linkedUser(login.issuer, login.subject);
    const byLink = linked === null ? null : this.d.identity.users.byId(linked);
    if (byLink) return byLink;
    if (!mapped.name) {
      throw new TerraHubError(
        'TH_HUB_OIDC_NO_USERNAME',
        `${this.settings.displayName} did not send a usable user name in the claim "${this.settings.usernameClaim}"` +
          (mapped.rawName === undefined ? '' : ` (got ${JSON.stringify(mapped.rawName)})`) +
          ': the admin should check hub.oidc.usernameClaim and hub.oidc.scopes.',
      );
    }
    const existing = this.d.identity.users.find(mapped.name);
    if (existing) {
      const taken = this.store.subjectOf(login.issuer, existing.id) !== null;
      if (taken || this.settings.linkExisting !== 'always') {
        this.d.log.info({ user: existing.name, subject: login.subject, taken }, 'Oidc:Clash');
        throw new TerraHubError(
          'TH_HUB_OIDC_USER_CLASH',
          taken
            ? `The TerraHub user "${existing.name}" belongs to another ${this.settings.displayName} account.`
            : undefined,
        );
      }
      this.store.link(login.issuer, login.subject, existing.id);
      return existing;
    }
    if (!this.settings.autoCreate) throw new TerraHubError('TH_HUB_OIDC_NO_ACCOUNT');
    const created = await this.d.identity.users.create({
      name: mapped.name,
      admin: mapped.admin ?? false,
      groups: mapped.groups ?? [],
    });
    this.store.link(login.issuer, login.subject, created.id);
    this.d.log.info({ user: created.name, subject: login.subject }, 'Oidc:UserCreated');
    return created;
  }

  /** The admin flag and groups follow the provider when configured to (at every login). */
  private sync(user: User, mapped: MappedUser): User {
    const patch: { admin?: boolean; groups?: string[] } = {};
    if (mapped.admin !== undefined && mapped.admin !== user.admin) patch.admin = mapped.admin;
    if (mapped.groups && mapped.groups.join() !== user.groups.join()) patch.groups = mapped.groups;
    return Object.keys(patch).length ? this.d.identity.users.update(user.name, patch) : user;
  }
}
