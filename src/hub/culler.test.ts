/** The idle culler against real JupyterLab servers: an idle server is stopped, a busy one is left alone. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/hub.ts';
import { Browser, TEST_JUPYTER, execute, opened } from './testing.ts';

let hub: TestHub;
before(async () => {
  hub = await startTestHub({
    'hub.jupyterCommand': TEST_JUPYTER,
    'hub.unixUsers': 'off',
    'hub.profiles': [{ name: 'short', description: 'culled after 20 s idle', idleTimeout: '20s' }],
    'hub.cullInterval': '1s',
  });
});
after(async () => {
  await hub.close();
});

void test(
  'the culler stops an idle server and leaves one whose kernel is busy',
  { timeout: 240_000 },
  async () => {
    await hub.user('idle');
    await hub.user('busy');
    const users = hub.services.identity.users;
    const spawner = hub.services.hub!.spawner;
    const start = async (name: string) => {
      const res = await hub.api(`/hub/api/users/${name}/server`, { method: 'POST', body: '{}' });
      assert.ok(res.status === 201 || res.status === 202, `${res.status}`);
      await spawner.settled(users.get(name));
      assert.equal(spawner.server(users.get(name))?.state, 'running');
    };
    await start('busy');

    // The admin's token reaches any server: start a long computation on busy's kernel.
    const admin = new Browser(hub.url);
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'application/json' };
    const k = await admin.fetch('/user/busy/api/kernels', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(k.status, 201);
    const { id } = (await k.json()) as { id: string };
    const ws = admin.ws(`/user/busy/api/kernels/${id}/channels`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    await opened(ws);
    assert.equal(await execute(ws, '40+2'), '42');
    void execute(ws, 'import time; time.sleep(90); 1').catch(() => undefined);
    await start('idle');

    const deadline = Date.now() + 120_000;
    while (spawner.server(users.get('idle'))?.state !== 'stopped') {
      assert.ok(Date.now() < deadline, 'the idle server was not culled in time');
      await sleep(500);
    }
    assert.match(spawner.server(users.get('idle'))!.stopReason ?? '', /culled: idle/);
    assert.equal(spawner.server(users.get('busy'))?.state, 'running');
    ws.terminate();
    const stop = await hub.api('/hub/api/users/busy/server', { method: 'DELETE' });
    assert.ok(stop.status === 204 || stop.status === 202);
    await spawner.settled(users.get('busy'));
    assert.equal(spawner.server(users.get('busy'))?.state, 'stopped');
  },
);
