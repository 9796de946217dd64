/**
 * The pages without a Jupyter server: token page (create with scopes, shown once, revoke), admin page
 * (add and delete users, limits mode shown, non-admins refused), logout, CSRF on the API with a cookie,
 * HTML error pages, and redirects that stay on the site.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { Browser } from '../testing.ts';

let hub: TestHub;
before(async () => {
  hub = await startTestHub({ 'hub.unixUsers': 'off' });
  await hub.services.identity.users.create({ name: 'root-admin', admin: true, password: 'admin-password' });
  await hub.services.identity.users.create({ name: 'erin', password: 'erin-password' });
});
after(async () => {
  await hub.close();
});

void test('the token page makes a token with the chosen scopes, shows it once, and revokes it', async () => {
  const b = new Browser(hub.url);
  await b.login('erin', 'erin-password');
  const csrf = await b.csrf('/hub/token');
  const res = await b.post('/hub/token', {
    _csrf: csrf,
    note: 'laptop',
    scopes: 'read:catalog',
    expires_in: '86400',
  });
  assert.equal(res.status, 200);
  const token = /id="new-token">([^<]+)</.exec(await res.text())![1]!;
  const me = await fetch(`${hub.url}/hub/api/user`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(((await me.json()) as { scopes: string[] }).scopes, ['read:catalog']);
  const listed = await (await b.fetch('/hub/token')).text();
  assert.ok(!listed.includes(token), 'the token is shown only once');
  const [model] = hub.services.identity.tokens.list(hub.services.identity.users.get('erin'));
  assert.ok(model!.expires_at);
  const revoke = await b.post('/hub/token/revoke', { _csrf: csrf, id: model!.id });
  assert.equal(revoke.status, 303);
  const after = await fetch(`${hub.url}/hub/api/user`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
});

void test('the admin page lists users, adds and deletes them; others get an HTML 403 page', async () => {
  const admin = new Browser(hub.url);
  await admin.login('root-admin', 'admin-password');
  const page = await (await admin.fetch('/hub/admin')).text();
  assert.match(page, /Resource limits: (not enforced: .+|enforced with cgroup v[12])\./);
  assert.match(page, /erin/);
  const csrf = await admin.csrf('/hub/admin');
  const add = await admin.post('/hub/admin/users', {
    _csrf: csrf,
    name: 'frank',
    password: 'frank-password',
  });
  assert.equal(add.status, 303);
  assert.ok(hub.services.identity.users.find('frank'));
  const del = await admin.post('/hub/admin/users/frank/delete', { _csrf: csrf });
  assert.equal(del.status, 303);
  assert.equal(hub.services.identity.users.find('frank'), null);
  const erin = new Browser(hub.url);
  await erin.login('erin', 'erin-password');
  const refused = await erin.fetch('/hub/admin');
  assert.equal(refused.status, 403);
  assert.match(refused.headers.get('content-type')!, /text\/html/);
  assert.match(await refused.text(), /only admins/);
});

void test('with a session cookie, state-changing API calls need the X-CSRF-Token header', async () => {
  const b = new Browser(hub.url);
  await b.login('erin', 'erin-password');
  const read = await b.fetch('/hub/api/user', { headers: { accept: 'application/json' } });
  assert.equal(read.status, 200);
  const noHeader = await b.fetch('/hub/api/users/erin/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
  });
  assert.equal(noHeader.status, 401);
  const csrf = await b.csrf('/hub/home');
  const withHeader = await b.fetch('/hub/api/users/erin/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: '{}',
  });
  assert.equal(withHeader.status, 201);
});

void test('logout ends the session on the hub and on /user/', async () => {
  const b = new Browser(hub.url);
  await b.login('erin', 'erin-password');
  const csrf = await b.csrf('/hub/home');
  const out = await b.post('/hub/logout', { _csrf: csrf });
  assert.equal(out.status, 303);
  assert.equal(b.cookieFor('/hub/home'), '');
  assert.equal(b.cookieFor('/user/erin/'), '');
  assert.equal((await b.fetch('/hub/home')).status, 302);
});

void test('login redirects only to paths on this site', async () => {
  const b = new Browser(hub.url);
  const csrf = await b.csrf('/hub/login');
  const res = await b.post('/hub/login', {
    _csrf: csrf,
    username: 'erin',
    password: 'erin-password',
    next: '//evil.example/x',
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/hub/home');
});
