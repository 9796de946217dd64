/**
 * The spawner's failure paths and bookkeeping, with stand-in processes instead of JupyterLab (fast):
 * a server that exits at once, one that never answers (start timeout), one that dies while running (marked
 * stopped with its log tail), and the culler's maximum age.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { cullOnce } from '../culler.ts';
import { localLaunchState } from '../launcher/local.ts';

let hub: TestHub;
const bin = mkdtempSync(join(tmpdir(), 'terrahub-fake-jupyter-'));
before(async () => {
  // A "jupyter" that prints a line and then either exits (user names starting with "exit") or hangs.
  const fake = join(bin, 'jupyter');
  writeFileSync(
    fake,
    '#!/bin/sh\necho "fake jupyter for $JUPYTERHUB_USER"\ncase "$JUPYTERHUB_USER" in exit*) exit 3;; esac\nexec sleep 60\n',
  );
  chmodSync(fake, 0o755);
  hub = await startTestHub({
    'hub.jupyterCommand': fake,
    'hub.unixUsers': 'off',
    'hub.startTimeout': '2s',
    'hub.stopGrace': '1s',
    'hub.profiles': [{ name: 'aged', description: 'max age 1 s', maxAge: '1s' }],
  });
});
after(async () => {
  await hub.close();
  rmSync(bin, { recursive: true, force: true });
});

void test('a server that exits at once: 500 TH_HUB_SPAWN_FAILED with its log tail, state stopped', async () => {
  const token = await hub.user('exiter');
  const res = await hub.api('/hub/api/users/exiter/server', { method: 'POST', body: '{}', token });
  assert.equal(res.status, 500);
  const body = (await res.json()) as { code: string; message: string; log_tail: string };
  assert.equal(body.code, 'TH_HUB_SPAWN_FAILED');
  assert.match(body.message, /start failed: the server process exited/);
  assert.match(body.log_tail, /fake jupyter for exiter/);
  const model = (await (await hub.api('/hub/api/users/exiter', { token })).json()) as {
    server: string | null;
    last_server_stop: { log_tail: string };
  };
  assert.equal(model.server, null);
  assert.match(model.last_server_stop.log_tail, /fake jupyter/);
});

void test('a server that never answers is stopped after the start timeout', async () => {
  const token = await hub.user('hanger');
  const res = await hub.api('/hub/api/users/hanger/server', { method: 'POST', body: '{}', token });
  assert.equal(res.status, 500);
  assert.match(((await res.json()) as { message: string }).message, /did not answer within 2 s/);
  const row = hub.services.hub!.spawner.server(hub.services.identity.users.get('hanger'))!;
  assert.equal(row.state, 'stopped');
  // The process was stopped too, and the token made for it revoked.
  assert.equal(hub.services.identity.tokens.list(hub.services.identity.users.get('hanger')).length, 1);
});

async function fakeRunning(name: string, readyAt: string) {
  const user = await hub.services.identity.users.create({ name });
  const child = spawn('/bin/sh', ['-c', 'exec sleep 60'], { detached: true, stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  child.unref();
  hub.services.hub!.store.put({
    userId: user.id,
    name: '',
    state: 'running',
    profile: 'aged',
    port: 1,
    secret: 'x',
    readyAt,
    launch: localLaunchState(child.pid!),
  });
  return { user, child };
}

void test('a running server whose process died is marked stopped with the reason', async () => {
  const { user, child } = await fakeRunning('dies', new Date().toISOString());
  writeFileSync(hub.services.hub!.spawner.logOf('dies'), 'line one\nTraceback: it broke\n');
  child.kill('SIGKILL');
  await sleep(200);
  await hub.services.hub!.spawner.reconcile();
  const row = hub.services.hub!.spawner.server(user)!;
  assert.equal(row.state, 'stopped');
  assert.equal(row.stopReason, 'the server process exited');
  assert.match(row.logTail ?? '', /Traceback: it broke/);
});

void test('the culler stops a server older than its profile maximum age', async () => {
  const { user } = await fakeRunning('old', new Date(Date.now() - 5000).toISOString());
  const h = hub.services.hub!;
  await cullOnce({
    store: h.store,
    identity: hub.services.identity,
    spawner: h.spawner,
    activity: h.activity,
    log: hub.services.log,
  });
  await h.spawner.settled(user);
  const row = h.spawner.server(user)!;
  assert.equal(row.state, 'stopped');
  assert.match(row.stopReason ?? '', /culled: older than the maximum age of 1 s/);
});
