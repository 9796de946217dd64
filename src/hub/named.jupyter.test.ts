/**
 * A named server with the real JupyterLab (from the test venv): started through the JupyterHub-shaped API,
 * reached at /user/{name}/{server}/ through the proxy (REST and a kernel over the WebSocket), then stopped.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { Browser, TEST_JUPYTER, execute, opened } from './testing.ts';

let hub: TestHub;
let token: string;
before(async () => {
  hub = await startTestHub({ 'hub.jupyterCommand': TEST_JUPYTER, 'hub.unixUsers': 'off' });
  token = await hub.user('june');
});
after(async () => {
  await hub.close();
});

void test(
  'a named JupyterLab starts, answers at /user/{name}/{server}/ and stops',
  { timeout: 240_000 },
  async () => {
    const auth = { authorization: `token ${token}`, accept: 'application/json' };
    const res = await hub.api('/hub/api/users/june/servers/analysis', { method: 'POST', body: '{}', token });
    assert.ok(res.status === 201 || res.status === 202, `${res.status} ${await res.clone().text()}`);
    const user = hub.services.identity.users.get('june');
    await hub.services.hub!.spawner.settled(user, 'analysis');
    assert.equal(hub.services.hub!.spawner.server(user, 'analysis')?.state, 'running');

    const status = await fetch(`${hub.url}/user/june/analysis/api/status`, { headers: auth });
    assert.equal(status.status, 200);
    assert.ok('started' in ((await status.json()) as object));
    const lab = await fetch(`${hub.url}/user/june/analysis/lab`, {
      headers: { authorization: auth.authorization },
    });
    assert.equal(lab.status, 200);
    assert.match(await lab.text(), /JupyterLab/);
    // The default server is not running: its paths are not the named server's.
    assert.equal((await fetch(`${hub.url}/user/june/api/status`, { headers: auth })).status, 503);

    const k = await fetch(`${hub.url}/user/june/analysis/api/kernels`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(k.status, 201);
    const { id } = (await k.json()) as { id: string };
    const ws = new Browser(hub.url).ws(`/user/june/analysis/api/kernels/${id}/channels`, {
      authorization: auth.authorization,
    });
    await opened(ws);
    try {
      assert.equal(await execute(ws, '6*7'), '42');
    } finally {
      ws.close();
    }

    const stop = await hub.api('/hub/api/users/june/servers/analysis', { method: 'DELETE', token });
    assert.ok(stop.status === 204 || stop.status === 202, `${stop.status}`);
    await hub.services.hub!.spawner.settled(user, 'analysis');
    assert.equal(hub.services.hub!.spawner.server(user, 'analysis')?.state, 'stopped');
    assert.equal((await fetch(`${hub.url}/user/june/analysis/api/status`, { headers: auth })).status, 503);
  },
);
