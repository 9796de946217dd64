/**
 * Logout at the provider (hub.oidc.logoutAtProvider, OpenID Connect RP-Initiated Logout) against the real
 * test provider: the hub's session ends, the browser goes to the provider's end-session endpoint with the
 * ID token as hint, the provider ends its own session and sends the browser back to /hub/login, and the
 * next login asks for the password again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestHub } from '../../testing/hub.ts';
import { startOidcHub } from './testing/oidc-hub.ts';
import { FlowBrowser, oidcLogin, type Step } from './testing/oidc-browser.ts';
import { startTestProvider, type TestProvider } from './testing/oidc-provider.ts';

let provider: TestProvider;
let hub: TestHub;
const ANN = { login: 'sub-ann', password: 'sub-ann-pw', claims: { preferred_username: 'ann' } };

before(async () => {
  provider = await startTestProvider();
  hub = await startOidcHub(
    provider,
    { [ANN.login]: { password: ANN.password, claims: ANN.claims } },
    { 'hub.oidc.logoutAtProvider': true },
  );
});
after(async () => {
  await hub?.close();
  await provider?.close();
});

/** Starts a login from the hub's button and follows it to the first page the provider shows. */
async function loginAgain(b: FlowBrowser): Promise<Step> {
  return b.follow(`${hub.url}/hub/oauth_login`, (u) => u.pathname === '/hub/oauth_callback');
}

/** Logs out through the hub's logout form; returns the hub's answer (not followed). */
async function logout(b: FlowBrowser): Promise<Step> {
  const form = await b.request(`${hub.url}/hub/logout`);
  assert.equal(form.res.status, 200, form.body);
  return b.submit(form, {}, () => true);
}

void test('without logout, a second login passes at the provider without its password form', async () => {
  const b = new FlowBrowser();
  const done = await oidcLogin(b, hub.url, ANN);
  assert.equal(done.res.status, 303, done.body);
  b.forget(hub.url, 'terrahub-session'); // the hub's session lapses; the provider's does not
  const again = await loginAgain(b);
  assert.equal(again.res.status, 303, 'the provider sent the browser straight back to the hub');
  assert.equal(new URL(again.res.headers.get('location')!, again.url).pathname, '/hub/oauth_callback');
});

void test('logout ends the hub session and the provider session, and comes back to /hub/login', async () => {
  const b = new FlowBrowser();
  assert.equal((await oidcLogin(b, hub.url, ANN)).res.status, 303);

  const out = await logout(b);
  assert.equal(out.res.status, 303);
  const to = new URL(out.res.headers.get('location')!);
  assert.equal(to.origin, new URL(provider.issuer).origin, 'sent to the provider');
  assert.ok(to.searchParams.get('id_token_hint'), 'with the ID token as hint');
  assert.equal(to.searchParams.get('post_logout_redirect_uri'), `${hub.url}/hub/login`);
  assert.equal(b.cookie(hub.url, 'terrahub-session'), undefined, 'the hub cookie is cleared');
  const home = await b.request(`${hub.url}/hub/home`);
  assert.equal(home.res.status, 302, 'the hub session is gone before the provider is even asked');

  // The provider asks to confirm (its own page), then sends the browser back to the hub's login page.
  const confirm = await b.request(to.href);
  assert.equal(confirm.res.status, 200, confirm.body);
  assert.match(confirm.body, /sign-out/i);
  const back = await b.submit(confirm, { logout: 'yes' }, (u) => u.pathname === '/hub/login');
  assert.equal(back.res.status, 303, back.body);
  assert.equal(back.res.headers.get('location'), `${hub.url}/hub/login`);

  const again = await loginAgain(b);
  assert.equal(again.res.status, 200, 'the provider shows a page instead of redirecting');
  assert.match(again.body, /name="password"/, 'and it is the password form: its session ended');
});

void test('a password login has no provider session: logout goes straight to /hub/login', async () => {
  await hub.services.identity.users.create({ name: 'local', password: 'local-password-1' });
  const b = new FlowBrowser();
  const page = await b.request(`${hub.url}/hub/login`);
  const done = await b.submit(page, { username: 'local', password: 'local-password-1' }, () => true, {
    action: '/hub/login',
  });
  assert.equal(done.res.status, 303, done.body);
  const out = await logout(b);
  assert.equal(out.res.status, 303);
  assert.equal(out.res.headers.get('location'), '/hub/login');
});
