/**
 * The hub end to end with a real JupyterLab (from the test venv): browser login with CSRF, start with live
 * progress, the Jupyter REST API, a kernel and a terminal over the proxied WebSocket, access control between
 * users, the quota message, and stop.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { Browser, TEST_JUPYTER, execute, opened, terminalRun } from './testing.ts';

void describe('hub with a real JupyterLab', { timeout: 300_000 }, () => {
  let hub: TestHub;
  let alice: Browser;
  let bob: Browser;
  let aliceToken: string;

  before(async () => {
    hub = await startTestHub({
      'hub.jupyterCommand': TEST_JUPYTER,
      'hub.unixUsers': 'off',
      'hub.homeQuota': '20MB',
    });
    const users = hub.services.identity.users;
    await users.create({ name: 'alice', password: 'alice-password' });
    await users.create({ name: 'bob', password: 'bob-password' });
    aliceToken = hub.services.identity.tokens.create(users.get('alice'), { scopes: ['servers'] }).token;
    alice = new Browser(hub.url);
    bob = new Browser(hub.url);
  });
  after(async () => {
    await hub.close();
  });

  void test('login needs the CSRF token and sets HttpOnly, SameSite=Lax cookies scoped to /hub/ and /user/', async () => {
    const noCsrf = await alice.post('/hub/login', { username: 'alice', password: 'alice-password' });
    assert.equal(noCsrf.status, 403);
    const wrong = await alice.login('alice', 'not-her-password');
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /Wrong user name or password/);
    const res = await alice.login('alice', 'alice-password');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/hub/home');
    const session = alice.lastSetCookies.find((c) => c.startsWith('terrahub-session='))!;
    assert.match(session, /Path=\/hub\//);
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Lax/);
    assert.match(
      alice.lastSetCookies.find((c) => c.startsWith('terrahub-user='))!,
      /Path=\/user\//,
    );
    const home = await alice.fetch('/hub/home');
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Your server is not running/);
    assert.equal((await bob.login('bob', 'bob-password')).status, 303);
  });

  void test('an anonymous browser is sent to the login page', async () => {
    const anon = new Browser(hub.url);
    const home = await anon.fetch('/hub/home');
    assert.equal(home.status, 302);
    assert.match(home.headers.get('location')!, /^\/hub\/login\?next=/);
    const lab = await anon.fetch('/user/alice/lab');
    assert.equal(lab.status, 302);
    assert.equal(lab.headers.get('location'), '/hub/login?next=%2Fuser%2Falice%2Flab');
    const api = await fetch(`${hub.url}/user/alice/api/status`);
    assert.equal(api.status, 401);
  });

  void test('Start without the CSRF token is refused; with it the server starts and reports progress', async () => {
    assert.equal((await alice.post('/hub/home/start', {})).status, 403);
    const csrf = await alice.csrf('/hub/home');
    const start = await alice.post('/hub/home/start', { _csrf: csrf, profile: 'CPU - Python' });
    assert.equal(start.status, 303);
    assert.equal(start.headers.get('location'), '/hub/spawn-pending');
    const events = await alice.progress('alice');
    const last = events.at(-1)!;
    assert.equal(last.ready, true, JSON.stringify(events));
    assert.ok(events.length >= 3);
    const model = (await (await hub.api('/hub/api/users/alice')).json()) as Record<string, unknown>;
    assert.equal(model['server'], '/user/alice/');
    assert.equal(model['pending'], null);
  });

  void test('the Jupyter REST API works through the proxy with the session cookie and with an API token', async () => {
    const created = await alice.fetch('/user/alice/api/contents', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ type: 'notebook' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const nb = (await created.json()) as { path: string; type: string };
    assert.equal(nb.type, 'notebook');
    const listed = (await (
      await alice.fetch('/user/alice/api/contents', { headers: { accept: 'application/json' } })
    ).json()) as {
      content: Array<{ path: string }>;
    };
    assert.ok(listed.content.some((c) => c.path === nb.path));
    // The quickstart notebooks were put into the new home before the server started.
    const quick = (await (
      await alice.fetch('/user/alice/api/contents/quickstart', { headers: { accept: 'application/json' } })
    ).json()) as { content: Array<{ name: string }> };
    assert.ok(
      quick.content.some((c) => /^01-.*\.ipynb$/.test(c.name)),
      JSON.stringify(quick),
    );
    const byToken = await fetch(`${hub.url}/user/alice/api/status`, {
      headers: { authorization: `token ${aliceToken}` },
    });
    assert.equal(byToken.status, 200);
    const lab = await alice.fetch('/user/alice/lab');
    assert.equal(lab.status, 200);
    assert.match(await lab.text(), /JupyterLab/);
  });

  void test('a kernel executes 1+1 over the proxied WebSocket', async () => {
    const k = await alice.fetch('/user/alice/api/kernels', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{}',
    });
    assert.equal(k.status, 201);
    const { id } = (await k.json()) as { id: string };
    const ws = alice.ws(`/user/alice/api/kernels/${id}/channels`);
    await opened(ws);
    try {
      assert.equal(await execute(ws, '1+1'), '2');
    } finally {
      ws.close();
    }
  });

  void test('a terminal runs git --version over the proxied WebSocket', async () => {
    const t = await alice.fetch('/user/alice/api/terminals', {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    assert.equal(t.status, 200, await t.clone().text());
    const { name } = (await t.json()) as { name: string };
    const ws = alice.ws(`/user/alice/terminals/websocket/${name}`);
    await opened(ws);
    try {
      assert.match(await terminalRun(ws, 'git --version', /git version \d+\.\d+/), /git version/);
    } finally {
      ws.close();
    }
  });

  void test("user B cannot reach A's server over HTTP or WebSocket, nor with their own token", async () => {
    const page = await bob.fetch('/user/alice/lab');
    assert.equal(page.status, 403);
    const api = await bob.fetch('/user/alice/api/contents', { headers: { accept: 'application/json' } });
    assert.equal(api.status, 403);
    const bobToken = await hub.user('carol'); // any other user's token
    const byToken = await fetch(`${hub.url}/user/alice/api/status`, {
      headers: { authorization: `Bearer ${bobToken}` },
    });
    assert.equal(byToken.status, 403);
    const k = (await (
      await alice.fetch('/user/alice/api/kernels', { headers: { accept: 'application/json' } })
    ).json()) as Array<{ id: string }>;
    const ws = bob.ws(`/user/alice/api/kernels/${k[0]!.id}/channels`);
    await assert.rejects(opened(ws), /upgrade refused: 403/);
    const stolen = new Browser(hub.url).ws(`/user/alice/api/kernels/${k[0]!.id}/channels`);
    await assert.rejects(opened(stolen), /upgrade refused: 401/);
  });

  void test('a home over its quota is shown on the control panel and uploads are refused', async () => {
    writeFileSync(join(hub.dataDir, 'homes', 'alice', 'big.bin'), Buffer.alloc(25e6, 1));
    await hub.services.hub!.measureHomes();
    const home = await (await alice.fetch('/hub/home')).text();
    assert.match(home, /over its quota/);
    const upload = await alice.fetch('/user/alice/api/contents/more.txt', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ type: 'file', format: 'text', content: 'x' }),
    });
    assert.equal(upload.status, 507);
    assert.equal(((await upload.json()) as { code: string }).code, 'TH_HUB_OVER_QUOTA');
  });

  void test('Stop from the control panel stops the server; the proxy then answers 503', async () => {
    const csrf = await alice.csrf('/hub/home');
    const stop = await alice.post('/hub/home/stop', { _csrf: csrf });
    assert.equal(stop.status, 303);
    const row = hub.services.hub!.spawner.server(hub.services.identity.users.get('alice'));
    assert.equal(row?.state, 'stopped');
    const after = await alice.fetch('/user/alice/api/status', { headers: { accept: 'application/json' } });
    assert.equal(after.status, 503);
    const page = await alice.fetch('/user/alice/lab');
    assert.equal(page.status, 503);
    assert.match(await page.text(), /Start my server/);
  });
});
