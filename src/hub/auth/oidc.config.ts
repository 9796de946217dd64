/**
 * The OpenID Connect login's settings, read from the `hub.oidc.*` keys and checked together at start-up:
 * a half-made configuration stops TerraHub with a ConfigError (exit code 2), as a bad value does.
 */
import type { Config } from '../../core/config/keys.ts';
import { ConfigError } from '../../core/config/load.ts';

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** Empty: a public client, authenticated by PKCE alone. */
  clientSecret: string;
  scopes: string;
  displayName: string;
  usernameClaim: string;
  groupsClaim: string;
  allowedGroups: string[];
  adminGroups: string[];
  manageGroups: boolean;
  autoCreate: boolean;
  linkExisting: 'never' | 'always';
  logoutAtProvider: boolean;
  /** Plain http to the provider: always for a loopback issuer, otherwise only when configured. */
  allowHttp: boolean;
  timeoutS: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The settings, or null when OIDC login is off (no issuer). A half-made configuration is refused. */
export function oidcSettings(c: Config): OidcSettings | null {
  const raw = c['hub.oidc.issuer'].trim();
  if (!raw) return null;
  let issuer: URL;
  try {
    issuer = new URL(raw);
  } catch {
    throw new ConfigError(`hub.oidc.issuer is not a URL: ${JSON.stringify(raw)}`);
  }
  const loopback = LOOPBACK.has(issuer.hostname);
  if (
    issuer.protocol !== 'https:' &&
    !(issuer.protocol === 'http:' && (loopback || c['hub.oidc.allowHttp']))
  ) {
    throw new ConfigError(
      `hub.oidc.issuer must be an https URL (plain http only for 127.0.0.1/localhost, or with hub.oidc.allowHttp): ${raw}`,
    );
  }
  if (!c['hub.oidc.clientId']) {
    throw new ConfigError('hub.oidc.issuer is set but hub.oidc.clientId is empty');
  }
  const scopes = c['hub.oidc.scopes'].split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');
  return {
    issuer,
    clientId: c['hub.oidc.clientId'],
    clientSecret: c['hub.oidc.clientSecret'],
    scopes: scopes.join(' '),
    displayName: oidcButtonName(c),
    usernameClaim: c['hub.oidc.usernameClaim'],
    groupsClaim: c['hub.oidc.groupsClaim'],
    allowedGroups: c['hub.oidc.allowedGroups'],
    adminGroups: c['hub.oidc.adminGroups'],
    manageGroups: c['hub.oidc.manageGroups'],
    autoCreate: c['hub.oidc.autoCreate'],
    linkExisting: c['hub.oidc.linkExisting'],
    logoutAtProvider: c['hub.oidc.logoutAtProvider'],
    allowHttp: issuer.protocol === 'http:',
    timeoutS: 15,
  };
}

/** The provider's name on the login button. */
export function oidcButtonName(c: Config): string {
  if (c['hub.oidc.displayName']) return c['hub.oidc.displayName'];
  try {
    return new URL(c['hub.oidc.issuer']).host;
  } catch {
    return 'OpenID Connect';
  }
}

/** Whether the local user-name/password form (and sign-up) is offered. */
export function localLoginEnabled(c: Config): boolean {
  return !c['hub.oidc.issuer'].trim() || c['hub.oidc.localLogin'];
}
