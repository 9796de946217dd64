/**
 * The WebSocket relay on plain TCP sockets, both ways it can run (the native addon and JavaScript): bytes
 * handed over first, bytes a socket had already received, large transfers in both directions, byte counts
 * for the activity tracker, and closing from either side or from the hub.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActivityTracker } from './activity.ts';
import { Relay, type RelayedSocket } from './relay.ts';

/** Collects what a socket receives; resolves `until(n)` once n bytes arrived. */
function collector(s: Socket) {
  const chunks: Buffer[] = [];
  let total = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  s.on('data', (c: Buffer) => {
    chunks.push(c);
    total += c.length;
    for (const w of waiters.splice(0)) {
      if (total >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  return {
    text: () => Buffer.concat(chunks).toString('latin1'),
    bytes: () => Buffer.concat(chunks),
    until: (n: number) =>
      new Promise<void>((resolve) => (total >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

async function listen(s: Server): Promise<number> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as { port: number }).port;
}

/**
 * browser <-> [client | relay | backend] <-> far: `client` is the hub's accepted socket of the browser,
 * `backend` the hub's connection to the user's server, `far` that server's accepted socket.
 */
async function pair() {
  const servers: Server[] = [];
  const accept = async (): Promise<{ port: number; next: Promise<Socket> }> => {
    const s = createServer({ allowHalfOpen: true });
    servers.push(s);
    const port = await listen(s);
    return { port, next: once(s, 'connection').then(([c]) => c as Socket) };
  };
  const hub = await accept();
  const user = await accept();
  const browser = connect({ port: hub.port, host: '127.0.0.1', allowHalfOpen: true });
  const client = await hub.next;
  const backend = connect({ port: user.port, host: '127.0.0.1', allowHalfOpen: true });
  const far = await user.next;
  await once(backend, 'connect');
  const close = () => {
    for (const s of [browser, client, backend, far]) s.destroy();
    for (const s of servers) s.close();
  };
  return { browser, client, backend, far, close };
}

for (const mode of ['native', 'js'] as const) {
  describe(`the ${mode} relay`, () => {
    const cleanup: Array<() => void> = [];
    after(() => cleanup.forEach((c) => c()));

    const start = async () => {
      const p = await pair();
      cleanup.push(p.close);
      const activity = new ActivityTracker();
      const relay = new Relay(activity, mode);
      assert.equal(relay.mode, mode, `relay mode (${relay.why})`);
      const fromHub = collector(p.browser);
      const atServer = collector(p.far);
      // Bytes the browser sent before the hand-over sit in the hub's socket: they must go first.
      p.browser.write('early;');
      while (p.client.readableLength < 6) await sleep(5);
      let closes = 0;
      let relayed: RelayedSocket | undefined;
      const closed = new Promise<void>((resolve) => {
        relayed = relay.start('k', p.client, p.backend, Buffer.from('HEAD;'), Buffer.from('HELLO;'), () => {
          closes++;
          resolve();
        });
      });
      return { ...p, activity, fromHub, atServer, closed, closes: () => closes, relayed: () => relayed! };
    };

    void test('forwards the handed-over bytes first, then both directions, and counts them', async () => {
      const r = await start();
      await r.fromHub.until(6);
      assert.equal(r.fromHub.text(), 'HELLO;');
      await r.atServer.until(11);
      assert.equal(r.atServer.text(), 'HEAD;early;');
      const big = Buffer.alloc(3 << 20, 7); // larger than any socket buffer: exercises back-pressure
      r.browser.write(big);
      r.far.write('pong');
      r.far.write(big);
      await r.atServer.until(11 + big.length);
      await r.fromHub.until(6 + 4 + big.length);
      assert.ok(r.atServer.bytes().subarray(11).equals(big));
      assert.equal(r.fromHub.bytes().subarray(6, 10).toString(), 'pong');
      const a = r.activity.get('k')!;
      assert.equal(a.bytesIn, big.length);
      assert.equal(a.bytesOut, 4 + big.length);
      assert.ok(Date.now() - a.lastMs < 60_000);
      r.relayed().destroy();
      await r.closed;
    });

    void test('the browser closing first: the server sees the end, then its own end closes both', async () => {
      const r = await start();
      await r.atServer.until(11);
      r.browser.write('bye');
      r.browser.end();
      await once(r.far, 'end');
      assert.equal(r.atServer.text(), 'HEAD;early;bye');
      r.far.end('last');
      await once(r.browser, 'end');
      await r.closed;
      assert.equal(r.fromHub.text(), 'HELLO;last');
      assert.equal(r.closes(), 1);
      const a = r.activity.get('k')!;
      assert.equal(a.bytesIn, 3);
      assert.equal(a.bytesOut, 4);
    });

    void test('the server resetting its connection closes the pair, and the browser sees the end', async () => {
      const r = await start();
      await r.atServer.until(11);
      const ended = once(r.browser, 'end');
      r.far.resetAndDestroy();
      await r.closed;
      await ended;
      assert.equal(r.closes(), 1);
    });

    void test('the hub destroying a relayed socket closes both sides', async () => {
      const r = await start();
      await r.atServer.until(11);
      const ended = Promise.all([once(r.browser, 'end'), once(r.far, 'end')]);
      r.relayed().destroy();
      await Promise.all([ended, r.closed]);
    });
  });
}
