/**
 * WebSockets through the hub's proxy to a stand-in user server (an echo server in a process of its own):
 * the native relay is the one in use, messages go both ways with the server's own token added, the bytes
 * show up in the server model (bytes_in, bytes_out) for the culler, a close from either side reaches the
 * other, and a refused caller gets no socket.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { localLaunchState } from '../launcher/local.ts';
import { ActivityTracker } from './activity.ts';
import { Relay } from './relay.ts';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../../testing/hub.ts';

let hub: TestHub;
let backend: ChildProcess;
let token: string;
const events: string[] = [];
const waiters: Array<() => void> = [];

/** Resolves once the stand-in server has printed a line matching `re` (counting earlier lines too). */
async function serverSaw(re: RegExp): Promise<string> {
  for (;;) {
    const hit = events.find((e) => re.test(e));
    if (hit) return hit;
    await new Promise<void>((resolve) => waiters.push(resolve));
  }
}

before(async () => {
  backend = spawn(process.execPath, [join(import.meta.dirname, 'testing', 'ws-echo-backend.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: backend.stdout! });
  const port = await new Promise<number>((resolve) => lines.once('line', (l) => resolve(Number(l))));
  lines.on('line', (l) => {
    events.push(l);
    for (const w of waiters.splice(0)) w();
  });
  hub = await startTestHub({ 'hub.unixUsers': 'off', 'hub.stopServersOnExit': false });
  token = await hub.user('wes');
  const user = hub.services.identity.users.find('wes')!;
  // The hub takes the stand-in for wes's running server, as it re-adopts a server after a restart.
  hub.services.hub!.store.put({
    userId: user.id,
    name: '',
    state: 'running',
    profile: 'default',
    port,
    secret: 'stand-in-secret',
    launch: localLaunchState(backend.pid!),
  });
});
after(async () => {
  await hub.close();
  backend.kill();
});

function open(auth: string): Promise<WebSocket> {
  const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/user/wes/ws`, {
    headers: { authorization: auth },
  });
  return new Promise((resolve, reject) => ws.once('open', () => resolve(ws)).once('error', reject));
}

async function echo(ws: WebSocket, data: string | Buffer): Promise<Buffer> {
  const reply = once(ws, 'message');
  ws.send(data);
  return (await reply)[0] as Buffer;
}

const model = async () => {
  const res = await hub.api('/hub/api/users/wes');
  const body = (await res.json()) as { servers: Record<string, { bytes_in: number; bytes_out: number }> };
  return body.servers['']!;
};

void test('the native relay is the one in use (the addon is built by npm install)', () => {
  const r = new Relay(new ActivityTracker());
  assert.equal(r.mode, 'native', `native relay not loaded: ${r.why}`);
});

void test(
  'messages go both ways; the server gets its own token; bytes are counted',
  { timeout: 60_000 },
  async () => {
    const before = await model();
    const ws = await open(`token ${token}`);
    assert.match(await serverSaw(/^open /), /^open token stand-in-secret$/);
    assert.equal((await echo(ws, 'hello')).toString(), 'hello');
    const big = Buffer.alloc(200_000, 3);
    assert.ok((await echo(ws, big)).equals(big));
    const after = await model();
    // Client frames are masked (4 bytes more each), so in >= out; both carry the 200 kB frame.
    assert.ok(after.bytes_in - before.bytes_in >= 200_005, `${after.bytes_in - before.bytes_in}`);
    assert.ok(after.bytes_out - before.bytes_out >= 200_005, `${after.bytes_out - before.bytes_out}`);
    const closed = once(ws, 'close');
    ws.close(1000);
    assert.equal((await closed)[0], 1000);
    await serverSaw(/^closed 1000$/);
  },
);

void test('a close from the server reaches the client', { timeout: 60_000 }, async () => {
  const ws = await open(`Bearer ${ADMIN_TOKEN}`);
  const closed = once(ws, 'close');
  ws.send('close');
  assert.equal((await closed)[0], 4000);
  await serverSaw(/^closed 4000$/);
});

void test('another user gets 403 and no socket', async () => {
  const eve = await hub.user('eve2');
  await assert.rejects(open(`token ${eve}`), /403/);
});
