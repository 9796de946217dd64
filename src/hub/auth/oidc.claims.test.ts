/** The claim rules and the settings check, without a provider. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../core/config/load.ts';
import { claimAt, mapClaims, sanitizeUserName } from './oidc.claims.ts';
import { oidcSettings, type OidcSettings } from './oidc.config.ts';

const settings = (flags: Record<string, unknown> = {}): OidcSettings =>
  oidcSettings(
    loadConfig({
      flags: { 'hub.oidc.issuer': 'https://id.example.org/realms/geo', 'hub.oidc.clientId': 'hub', ...flags },
    }).config,
  )!;

void test('provider user names are made to fit TerraHub user names, or refused', () => {
  assert.equal(sanitizeUserName('Ann.Lee'), 'ann.lee');
  assert.equal(sanitizeUserName('josé@example.org'), 'jose-example.org');
  assert.equal(sanitizeUserName('  --Max Mustermann '), 'max-mustermann');
  assert.equal(sanitizeUserName(12345), '12345');
  assert.equal(sanitizeUserName('x'.repeat(80))?.length, 64);
  assert.equal(sanitizeUserName('日本'), null);
  assert.equal(sanitizeUserName(''), null);
  assert.equal(sanitizeUserName(undefined), null);
  assert.equal(sanitizeUserName({ name: 'a' }), null);
});

void test('claims are found by name first, then by dotted path', () => {
  const claims = { 'https://x.org/groups': ['a'], realm_access: { roles: ['admin'] } };
  assert.deepEqual(claimAt(claims, 'https://x.org/groups'), ['a']);
  assert.deepEqual(claimAt(claims, 'realm_access.roles'), ['admin']);
  assert.equal(claimAt(claims, 'realm_access.missing.deeper'), undefined);
});

void test('allowed and admin groups, Keycloak paths, and managed TerraHub groups', () => {
  const s = settings({
    'hub.oidc.allowedGroups': ['staff'],
    'hub.oidc.adminGroups': '/ops/admins',
    'hub.oidc.manageGroups': true,
  });
  const m = mapClaims({ preferred_username: 'Ann', groups: ['/staff', '/Geo Team/Sub'] }, s);
  assert.deepEqual(m, { name: 'ann', rawName: 'Ann', admin: false, groups: ['geo-team.sub', 'staff'] });
  assert.equal(mapClaims({ preferred_username: 'ops', groups: ['ops/admins'] }, s).admin, true);
  assert.throws(
    () => mapClaims({ preferred_username: 'eve', groups: 'visitors' }, s),
    (e: Error & { code?: string }) => e.code === 'TH_HUB_OIDC_NOT_ALLOWED',
  );
  const open = mapClaims({ email: 'Eve@x.org' }, settings({ 'hub.oidc.usernameClaim': 'email' }));
  assert.deepEqual(open, { name: 'eve-x.org', rawName: 'Eve@x.org', admin: undefined, groups: undefined });
});

void test('the settings: off without an issuer, refused when half made or insecure', () => {
  assert.equal(oidcSettings(loadConfig({}).config), null);
  const noClient = loadConfig({ flags: { 'hub.oidc.issuer': 'https://id.example.org' } }).config;
  assert.throws(() => oidcSettings(noClient), ConfigError);
  const http = (issuer: string, allowHttp = false) =>
    loadConfig({
      flags: { 'hub.oidc.issuer': issuer, 'hub.oidc.clientId': 'c', 'hub.oidc.allowHttp': allowHttp },
    }).config;
  assert.throws(() => oidcSettings(http('http://keycloak.lan:8080/realms/x')), /must be an https URL/);
  assert.equal(oidcSettings(http('http://keycloak.lan:8080/realms/x', true))?.allowHttp, true);
  assert.equal(oidcSettings(http('http://127.0.0.1:5556/dex'))?.allowHttp, true);
  const s = settings({ 'hub.oidc.scopes': 'profile groups' });
  assert.equal(s.scopes, 'openid profile groups');
  assert.equal(s.displayName, 'id.example.org');
  assert.throws(
    () =>
      loadConfig({ env: { TERRAHUB_HUB_OIDC_ALLOWED_GROUPS: '' }, flags: { 'hub.oidc.adminGroups': {} } }),
    ConfigError,
  );
});
