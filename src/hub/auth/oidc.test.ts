/**
 * OpenID Connect login against a real provider (oidc-provider on a free port), driven over HTTP as a
 * browser would: the hub's button, the provider's login and consent forms, the callback, the session.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { startOidcHub } from './testing/oidc-hub.ts';
import { FlowBrowser, oidcLogin } from './testing/oidc-browser.ts';
import { startTestProvider, type TestProvider } from './testing/oidc-provider.ts';

let provider: TestProvider;
let hub: TestHub;

const account = (login: string, claims: Record<string, unknown>) => ({
  login,
  password: `${login}-pw`,
  claims,
});
const ANN = account('sub-ann', {
  preferred_username: 'Ann.Lee',
  email: 'ann@example.org',
  groups: ['staff'],
});
const BOB = account('sub-bob', { preferred_username: 'bob', groups: ['visitors'] });
const CAT = account('sub-cat', { preferred_username: 'cat', groups: ['/staff', 'hub-admins'] });
const DAN = account('sub-dan', { preferred_username: 'dan', groups: ['staff'] });
const ERIN = account('sub-erin', { preferred_username: 'erin', groups: ['staff'] });
const FAY = account('sub-fay', { preferred_username: 'fay', groups: ['staff'] });

before(async () => {
  provider = await startTestProvider();
  const accounts = Object.fromEntries(
    [ANN, BOB, CAT, DAN, ERIN, FAY].map((a) => [a.login, { password: a.password, claims: a.claims }]),
  );
  hub = await startOidcHub(provider, accounts, {
    'hub.oidc.scopes': 'openid profile email groups',
    'hub.oidc.displayName': 'Test IdP',
    'hub.oidc.allowedGroups': 'staff',
    'hub.oidc.adminGroups': 'hub-admins',
  });
  await hub.services.identity.users.create({ name: 'erin', password: 'erin-local-password' });
});
after(async () => {
  await hub?.close();
  await provider?.close();
});

const users = () => hub.services.identity.users;

void test('first login creates the user (home bucket included) and a session; the second reuses them', async () => {
  const b = new FlowBrowser();
  const page = await b.request(`${hub.url}/hub/login`);
  assert.match(page.body, /Log in with Test IdP/);
  assert.match(
    page.body,
    /name="password"/,
    'the password form stays (hub.oidc.localLogin defaults to true)',
  );

  const done = await oidcLogin(b, hub.url, ANN);
  assert.equal(done.res.status, 303, done.body);
  assert.equal(done.res.headers.get('location'), '/hub/home');
  assert.ok(b.cookie(hub.url, 'terrahub-session'), 'the hub session cookie is set');
  assert.equal(b.cookie(hub.url, 'terrahub-oidc'), undefined, 'the flow cookie is spent');
  const cookies = done.res.headers.getSetCookie().join('\n');
  assert.match(cookies, /terrahub-session=[^;]+; Path=\/hub\/; HttpOnly; SameSite=Lax/);

  const ann = users().get('ann.lee'); // "Ann.Lee" made to fit TerraHub's user-name rules
  assert.equal(ann.admin, false);
  assert.ok(hub.services.storage.homeBucket(ann), 'created through the normal path: the home bucket exists');
  const home = await b.request(`${hub.url}/hub/home`);
  assert.equal(home.res.status, 200);
  assert.match(home.body, /ann\.lee/);
  const me = await b.request(`${hub.url}/hub/api/user`, { headers: { accept: 'application/json' } });
  assert.equal((JSON.parse(me.body) as { name: string }).name, 'ann.lee');

  // A new browser, and the provider now calls her "ann.smith": the link (issuer + subject) wins.
  provider.setClaims(ANN.login, { ...ANN.claims, preferred_username: 'ann.smith' });
  const count = users().list().length;
  const again = await oidcLogin(new FlowBrowser(), hub.url, ANN);
  assert.equal(again.res.status, 303, again.body);
  assert.equal(users().list().length, count, 'no second user');
  assert.equal(users().find('ann.smith'), null);
});

void test('a callback whose state does not match the browser’s login is refused, and the login is spent', async () => {
  const b = new FlowBrowser();
  const done = await oidcLogin(b, hub.url, DAN, {
    atCallback: async (cb) => {
      const forged = new URL(cb);
      forged.searchParams.set('state', 'not-the-state-we-sent');
      const refused = await b.request(forged.href);
      assert.equal(refused.res.status, 400);
      assert.match(refused.res.headers.get('content-type')!, /text\/html/);
      assert.match(refused.body, /state check/);
      assert.doesNotMatch(refused.body, /at .*\.ts:\d+/, 'no stack trace');
      return b.request(cb.href); // the real answer, too late: the flow was used up
    },
  });
  assert.equal(done.res.status, 400);
  assert.equal(b.cookie(hub.url, 'terrahub-session'), undefined);
  assert.equal(users().find('dan'), null);

  // The right answer in another browser (no flow cookie there) is refused as well.
  const other = new FlowBrowser();
  const stolen = await oidcLogin(new FlowBrowser(), hub.url, DAN, {
    atCallback: (cb) => other.request(cb.href),
  });
  assert.equal(stolen.res.status, 400);
  assert.match(stolen.body, /No login was started in this browser/);
});

void test('a user outside the allowed groups is refused with a page, and no user is made', async () => {
  const done = await oidcLogin(new FlowBrowser(), hub.url, BOB);
  assert.equal(done.res.status, 403);
  assert.match(done.body, /not in a group allowed on this hub \(staff\)/);
  assert.match(done.body, /Try again with Test IdP/);
  assert.equal(users().find('bob'), null);
});

void test('membership of an admin group makes an admin, and losing it at the provider takes it away', async () => {
  const b = new FlowBrowser();
  const done = await oidcLogin(b, hub.url, CAT);
  assert.equal(done.res.status, 303, done.body);
  assert.equal(users().get('cat').admin, true);
  assert.equal((await b.request(`${hub.url}/hub/admin`)).res.status, 200);

  provider.setClaims(CAT.login, { ...CAT.claims, groups: ['staff'] });
  assert.equal((await oidcLogin(new FlowBrowser(), hub.url, CAT)).res.status, 303);
  assert.equal(users().get('cat').admin, false);
});

void test('consent refused at the provider gives a clear page', async () => {
  const done = await oidcLogin(new FlowBrowser(), hub.url, FAY, { consent: false });
  assert.equal(done.res.status, 403);
  assert.match(done.body, /Test IdP did not allow the login: the login was cancelled or consent refused/);
  assert.equal(users().find('fay'), null);
});

void test('a provider name that is a local user is refused until that user links the accounts', async () => {
  const refused = await oidcLogin(new FlowBrowser(), hub.url, ERIN);
  assert.equal(refused.res.status, 409);
  assert.match(refused.body, /not linked to this login/);
  assert.match(refused.body, /href="\/hub\/login\?next=%2Fhub%2Foauth_link"/);

  // Erin logs in with her password and links her provider account.
  const b = new FlowBrowser();
  const form = await b.request(`${hub.url}/hub/login`);
  const loggedIn = await b.submit(form, { username: 'erin', password: 'erin-local-password' }, () => true, {
    action: '/hub/login',
  });
  assert.equal(loggedIn.res.status, 303);
  const linkPage = await b.request(`${hub.url}/hub/oauth_link`);
  assert.match(linkPage.body, /Link my Test IdP account/);
  let callback: URL | null = null;
  const stop = (u: URL) => u.pathname === '/hub/oauth_callback' && (callback = u) !== null;
  const atProvider = await b.submit(linkPage, {}, stop, { action: '/hub/oauth_link' });
  const consent = await b.submit(atProvider, { login: ERIN.login, password: ERIN.password }, stop);
  if (!callback) await b.submit(consent, {}, stop);
  assert.ok(callback, 'the provider sent the browser back');
  const linked = await b.request((callback as URL).href);
  assert.equal(linked.res.status, 303, linked.body);

  const fresh = await oidcLogin(new FlowBrowser(), hub.url, ERIN);
  assert.equal(fresh.res.status, 303, fresh.body);
  assert.equal(
    users()
      .list()
      .filter((u) => u.name.startsWith('erin')).length,
    1,
  );
});

void test('a provider that is down gives a 503 page; with localLogin off only the provider button is left', async () => {
  const down = await startTestProvider(); // a port nobody answers once closed
  const issuer = down.issuer;
  await down.close();
  const other = await startTestHub({
    'hub.unixUsers': 'off',
    'hub.oidc.issuer': issuer,
    'hub.oidc.clientId': 'x',
    'hub.oidc.localLogin': false,
    'auth.signup': true,
  });
  try {
    const b = new FlowBrowser();
    const page = await b.request(`${other.url}/hub/login`);
    assert.match(page.body, /Log in with 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(page.body, /name="password"/);
    assert.doesNotMatch(page.body, /Sign up/);
    const post = await b.request(`${other.url}/hub/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=admin&password=x',
    });
    assert.equal(post.res.status, 403);
    assert.match(post.body, /Password login is turned off/);
    const start = await b.request(`${other.url}/hub/oauth_login`);
    assert.equal(start.res.status, 503);
    assert.match(start.res.headers.get('content-type')!, /text\/html/);
    assert.match(start.body, /could not be reached: try again later/);
  } finally {
    await other.close();
  }
});
