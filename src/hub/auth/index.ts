/**
 * Login through an OpenID Connect provider (app.ts slot 7b): nothing happens unless `hub.oidc.issuer` is
 * set. docs/hub.md ("OpenID Connect login") describes it for operators.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../server/services.ts';
import type { HubService } from '../service.ts';
import { oidcSettings } from './oidc.config.ts';
import { OidcLogin } from './oidc.login.ts';
import { oidcRoutes } from './oidc.routes.ts';

export { localLoginEnabled } from './oidc.config.ts';

export async function oidcLogin(origin: FastifyInstance, s: Services, hub: HubService): Promise<void> {
  const settings = oidcSettings(s.config);
  if (!settings) return;
  const login = new OidcLogin({
    settings,
    db: s.db,
    identity: s.identity,
    log: s.log,
    // publicUrl is known only once the origin listens (port 0 in tests), so it is read at each login.
    redirectUri: () => `${s.publicUrl}/hub/oauth_callback`,
    loginPageUri: () => `${s.publicUrl}/hub/login`,
  });
  if (settings.logoutAtProvider) hub.providerLogout = (idToken) => login.logoutUrl(idToken);
  await origin.register(oidcRoutes, { prefix: '/hub', login, hub, identity: s.identity, config: s.config });
  s.log.info({ issuer: settings.issuer.href, redirectUri: '/hub/oauth_callback' }, 'Oidc:Enabled');
}
