/**
 * Named servers with stand-in Jupyter servers (fast): the JupyterHub-shaped API, routing of
 * /user/{name}/{server}/ against the default server's paths, the per-user limit, names that are refused,
 * access by other users, the progress stream, the pages, culling per server, and re-adoption after a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { cullOnce } from './culler.ts';
import { standInJupyter } from './stand-in-server.ts';
import { Browser } from './testing.ts';

const standIn = standInJupyter();
const dataDir = mkdtempSync(join(tmpdir(), 'terrahub-named-'));
const settings = {
  'hub.jupyterCommand': standIn.command,
  'hub.unixUsers': 'off',
  'hub.namedServerLimit': 2,
  'hub.stopGrace': '2s',
  'hub.stopServersOnExit': false,
  'hub.profiles': [
    { name: 'default', description: 'no idle timeout' },
    { name: 'short', description: 'culled after 3 s idle', idleTimeout: '3s' },
  ],
};
let hub: TestHub;
let token: string;
const json = async (r: Response) => (await r.json()) as Record<string, unknown>;
type Model = { server: string | null; servers: Record<string, Record<string, unknown>> };

before(async () => {
  hub = await startTestHub(settings, { dataDir });
  token = await hub.user('nina');
  await hub.services.identity.users.setPassword('nina', 'nina-password');
});
after(async () => {
  await hub.services.hub!.spawner.stopAll('test over');
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
  standIn.cleanup();
});

const api = (path: string, init: RequestInit = {}) => hub.api(path, { ...init, token });
const start = (server: string, body = '{}') =>
  api(`/hub/api/users/nina/servers/${server}`, { method: 'POST', body });
const reach = async (path: string) => {
  const res = await api(path, { headers: { accept: 'application/json' } });
  return { status: res.status, body: res.status === 200 ? await json(res) : null };
};

void describe('named servers', { timeout: 180_000 }, () => {
  void test('POST .../servers/{server} starts a server at /user/{name}/{server}/, apart from the default', async () => {
    const res = await start('one');
    assert.equal(res.status, 201, await res.clone().text());
    const one = await json(res);
    assert.equal(one['url'], '/user/nina/one/');
    assert.equal(one['ready'], true);
    const r = await reach('/user/nina/one/api/status');
    assert.equal(r.status, 200);
    assert.deepEqual([r.body!['server'], r.body!['path']], ['one', '/user/nina/one/api/status']);
    // The default server's own paths are not a named server, and it is not running yet.
    assert.equal((await reach('/user/nina/api/status')).status, 503);
    assert.equal((await reach('/user/nina/lab')).status, 503);
    const def = await api('/hub/api/users/nina/server', { method: 'POST', body: '{}' });
    assert.equal(def.status, 201);
    const d = await reach('/user/nina/api/status');
    assert.deepEqual([d.body!['server'], d.body!['path']], ['', '/user/nina/api/status']);
    // A path segment that names no server of hers goes to the default server.
    assert.equal((await reach('/user/nina/two/api/status')).body!['server'], '');
    const slash = await api('/user/nina/one', { redirect: 'manual' });
    assert.equal(slash.status, 302);
    assert.equal(slash.headers.get('location'), '/user/nina/one/');
  });

  void test('the user model lists each server with its status', async () => {
    const m = (await json(await api('/hub/api/users/nina'))) as unknown as Model;
    assert.equal(m.server, '/user/nina/');
    assert.deepEqual(Object.keys(m.servers).sort(), ['', 'one']);
    assert.equal(m.servers['one']!['ready'], true);
    assert.equal(m.servers['one']!['progress_url'], '/hub/api/users/nina/servers/one/progress');
    const events = await (await api('/hub/api/users/nina/servers/one/progress')).text();
    assert.match(events, /"ready":true,"url":"\/user\/nina\/one\/"/);
  });

  void test('names that are Jupyter paths or not URL-safe are refused; unknown servers are 404', async () => {
    for (const bad of ['lab', 'api', 'Bad%20Name', '-x']) {
      const res = await start(bad);
      assert.equal(res.status, 400, bad);
      assert.equal((await json(res))['code'], 'TH_HUB_BAD_SERVER_NAME');
    }
    const none = await api('/hub/api/users/nina/servers/nope', { method: 'DELETE' });
    assert.equal(none.status, 404);
    assert.equal((await json(none))['code'], 'TH_HUB_SERVER_NOT_FOUND');
  });

  void test('at most hub.namedServerLimit named servers are active at once', async () => {
    assert.equal((await start('two')).status, 201);
    const third = await start('three');
    assert.equal(third.status, 400);
    const body = await json(third);
    assert.equal(body['code'], 'TH_HUB_SERVER_LIMIT');
    assert.match(String(body['message']), /already has 2 active named servers/);
    const stop = await api('/hub/api/users/nina/servers/two', { method: 'DELETE' });
    assert.equal(stop.status, 204);
    assert.equal((await reach('/user/nina/two/api/status')).status, 503); // stopped, still hers
    assert.equal((await start('three')).status, 201);
    const m = (await json(await api('/hub/api/users/nina'))) as unknown as Model;
    assert.equal(m.servers['two']!['stopped'], true);
    // remove: forgotten entirely; its path then belongs to the default server again.
    const rm = await api('/hub/api/users/nina/servers/three', {
      method: 'DELETE',
      body: '{"remove": true}',
    });
    assert.equal(rm.status, 204);
    const after = (await json(await api('/hub/api/users/nina'))) as unknown as Model;
    assert.equal(after.servers['three'], undefined);
    assert.equal((await reach('/user/nina/three/api/status')).body!['server'], '');
  });

  void test('another user cannot reach her named server', async () => {
    const other = await hub.user('oscar');
    const res = await fetch(`${hub.url}/user/nina/one/api/status`, {
      headers: { authorization: `token ${other}`, accept: 'application/json' },
    });
    assert.equal(res.status, 403);
  });

  void test('the control panel lists named servers with Stop, and its form starts a new one', async () => {
    const b = new Browser(hub.url);
    assert.equal((await b.login('nina', 'nina-password')).status, 303);
    const home = await (await b.fetch('/hub/home')).text();
    assert.match(home, /Named servers/);
    assert.match(home, /href="\/user\/nina\/one\/lab"/);
    assert.match(home, /<button>Stop one<\/button>/);
    assert.match(home, /<button>Start two<\/button>/);
    const csrf = await b.csrf('/hub/home');
    const stopOne = await b.post('/hub/home/stop', { _csrf: csrf, server: 'one' });
    assert.equal(stopOne.status, 303);
    const made = await b.post('/hub/home/start', { _csrf: csrf, server: 'four', profile: 'default' });
    assert.equal(made.status, 303);
    assert.equal(made.headers.get('location'), '/hub/spawn-pending?server=four');
    const events = await (await b.fetch('/hub/api/users/nina/servers/four/progress')).text();
    assert.match(events, /"ready":true/);
    await hub.user('boss', { admin: true });
    await hub.services.identity.users.setPassword('boss', 'boss-password');
    const boss = new Browser(hub.url);
    assert.equal((await boss.login('boss', 'boss-password')).status, 303);
    const admin = await (await boss.fetch('/hub/admin')).text();
    assert.match(admin, /four:\s+running/);
    assert.match(admin, /Stop nina\/four/);
    const owner = hub.services.identity.users.get('nina');
    assert.equal(hub.services.hub!.spawner.server(owner, 'four')?.state, 'running');
    assert.equal(hub.services.hub!.spawner.server(owner, 'one')?.state, 'stopped');
  });

  void test('the culler stops an idle named server and leaves a busy one of the same user', async () => {
    const h = hub.services.hub!;
    const owner = hub.services.identity.users.get('nina');
    assert.equal((await start('one', '{"profile": "short"}')).status, 201);
    assert.equal((await api('/hub/api/users/nina/servers/four', { method: 'DELETE' })).status, 204);
    assert.equal((await start('four', '{"profile": "short"}')).status, 201);
    const until = Date.now() + 4500;
    while (Date.now() < until) {
      assert.equal((await reach('/user/nina/four/api/status')).status, 200); // "four" is in use
      await sleep(200);
    }
    await cullOnce({
      store: h.store,
      identity: hub.services.identity,
      spawner: h.spawner,
      activity: h.activity,
      log: hub.services.log,
    });
    await h.spawner.settled(owner, 'one');
    assert.match(h.spawner.server(owner, 'one')?.stopReason ?? '', /culled: idle/);
    assert.equal(h.spawner.server(owner, 'four')?.state, 'running');
    assert.equal(h.spawner.server(owner)?.state, 'running'); // the default server has no idle timeout
  });

  void test('after a restart the named server is re-adopted and reachable again', async () => {
    const before = (await reach('/user/nina/four/api/status')).body!['pid'];
    await hub.close();
    hub = await startTestHub(settings, { dataDir });
    const res = await reach('/user/nina/four/api/status');
    assert.equal(res.status, 200);
    assert.equal(res.body!['pid'], before);
    assert.equal((await reach('/user/nina/api/status')).body!['server'], '');
  });

  void test('deleting a user through the API stops their servers first', async () => {
    const otto = await hub.user('otto');
    const res = await hub.api('/hub/api/users/otto/servers/work', {
      method: 'POST',
      body: '{}',
      token: otto,
    });
    assert.equal(res.status, 201, await res.clone().text());
    const status = await hub.api('/user/otto/work/api/status', { token: otto });
    const pid = ((await status.json()) as { pid: number }).pid;
    // Alive: in /proc and not a zombie (an exited child stays a zombie until its parent, here the test
    // process itself, reaps it).
    const alive = () => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
      } catch {
        return false;
      }
    };
    assert.ok(alive(), 'the server runs before the delete');
    assert.equal((await hub.api('/hub/api/users/otto', { method: 'DELETE' })).status, 204);
    assert.ok(!alive(), 'the server process has exited once the delete is answered');
  });
});
