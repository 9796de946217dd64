/**
 * Zero-copy bodies (./fast-get-native.ts, the sendfile addon): the fast GET path with the addon must answer
 * byte for byte as with JavaScript bodies, keep connections usable after it (keep-alive, pipelining), and
 * survive clients that leave mid-body and files cut short under it without leaking descriptors. Two
 * servers run the fast path over the same hub, one with the addon (every non-empty body native) and one
 * without (the fallback), and their answers are compared.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { SAS_ACCESS_KEY } from '../service.ts';
import { nativeBodies } from './fast-get-native.ts';
import { answer, putParts } from './fast-get.testing.ts';
import { withFastGet } from './fast-get.ts';

const MiB = 1024 * 1024;
const IGNORED = new Set(['date', 'x-amz-request-id']);

const answerOf = (url: string, init: RequestInit = {}) => answer(url, init, IGNORED);

const openFds = () => readdirSync('/proc/self/fd').length;

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Raw HTTP/1.1 over one socket: sends `text`, resolves with everything received until `done(bytes)`, asked
 * once at least `least` bytes came (joining every chunk of megabytes as it comes would take seconds).
 */
function raw(port: number, text: string, least: number, done: (got: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const s = connect(port, '127.0.0.1', () => s.write(text));
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (n < least) return;
      const got = Buffer.concat(chunks);
      chunks.splice(0, chunks.length, got);
      if (done(got)) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Splits raw bytes into HTTP responses by their Content-Length (all of them complete). */
function responses(bytes: Buffer): { status: number; body: Buffer }[] {
  const out: { status: number; body: Buffer }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = bytes.subarray(at, end).toString('latin1');
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    if (end + 4 + length > bytes.length) break;
    out.push({ status: Number(head.split(' ')[1]), body: bytes.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return out;
}

describe('S3 fast GET path: zero-copy bodies (sendfile addon)', () => {
  let hub: TestHub;
  const servers: Server[] = [];
  let nativeUrl: string;
  let nativePort: number;
  let jsUrl: string;
  let delegated = 0;
  const small = randomBytes(300_000);
  const part1 = randomBytes(5 * MiB);
  const part2 = randomBytes(3 * MiB + 17);
  const multi = Buffer.concat([part1, part2]);
  const large = randomBytes(48 * MiB);
  const six = randomBytes(25 * MiB + 1000);

  before(async () => {
    hub = await startTestHub();
    const storage = hub.services.storage;
    const put = (key: string, body: Buffer) =>
      storage.store.put('public', key, Readable.from([body]), { user: {}, contentType: 'image/tiff' });
    await put('small.bin', small);
    await put('empty', Buffer.alloc(0));
    await put('one', Buffer.from('x'));
    await put('large.bin', large);
    await put('cut.bin', randomBytes(2 * MiB + 3));
    await putParts(storage.store, 'public', 'multi.bin', [part1, part2]);
    // Six parts: more pieces than the addon keeps without allocating.
    const sixParts = [0, 1, 2, 3, 4, 5].map((n) => six.subarray(n * 5 * MiB, (n + 1) * 5 * MiB));
    await putParts(storage.store, 'public', 'six.bin', sixParts);
    const sas = { accessKeyId: SAS_ACCESS_KEY, secret: () => storage.buckets.secret('sas-signing-key') };
    const serve = async (mode: 'native' | 'js') => {
      const listener = withFastGet(
        {
          storage,
          identity: hub.services.identity,
          virtualHostBase: null,
          sas,
          log: hub.services.log,
          sendfile: { mode, minBytes: 1 },
        },
        (_req, res) => {
          delegated++;
          res.writeHead(599).end();
        },
      );
      const server = createServer(listener);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    };
    nativePort = await serve('native');
    nativeUrl = `http://127.0.0.1:${nativePort}`;
    jsUrl = `http://127.0.0.1:${await serve('js')}`;
  });
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    await hub.close();
  });

  /** Asserts that both servers answer `path` themselves, identically, with `expected` as the body. */
  async function same(path: string, range: string | null, expected: Buffer, method = 'GET') {
    const init: RequestInit = { method, headers: range ? { range } : {} };
    const d0 = delegated;
    const n = await answerOf(nativeUrl + path, init);
    const j = await answerOf(jsUrl + path, init);
    assert.equal(delegated, d0, `${path} ${range}: went to the normal path`);
    assert.deepEqual(n.headers, j.headers, `${path} ${range}: headers`);
    assert.equal(n.status, j.status, `${path} ${range}: status`);
    assert.equal(n.body.length, expected.length, `${path} ${range}: length`);
    assert.ok(n.body.equals(expected), `${path} ${range}: native bytes`);
    assert.ok(j.body.equals(expected), `${path} ${range}: JavaScript bytes`);
    return n;
  }

  it('the addon is built and in use (npm install builds it)', async () => {
    const before = nativeBodies.sent;
    await same('/public/small.bin', 'bytes=0-0', small.subarray(0, 1));
    assert.equal(nativeBodies.sent, before + 1, 'the body was not sent by the addon');
  });

  it("TerraHub's S3 listener follows s3.sendfile and s3.sendfileMinBytes", async () => {
    const count = async (base: string, range: string) => {
      const before = nativeBodies.sent;
      const r = await answerOf(`${base}/public/small.bin`, { headers: { range } });
      assert.equal(r.status, 206);
      return nativeBodies.sent - before;
    };
    // Defaults: native from 4 KiB.
    assert.equal(await count(hub.s3Url!, 'bytes=0-4095'), 1);
    assert.equal(await count(hub.s3Url!, 'bytes=0-4094'), 0);
    const js = await startTestHub({ 's3.sendfile': 'js' });
    try {
      await js.services.storage.store.put('public', 'small.bin', Readable.from([small]), { user: {} });
      assert.equal(await count(js.s3Url!, 'bytes=0-299999'), 0);
    } finally {
      await js.close();
    }
  });

  it('answers ranges byte for byte as the JavaScript path', async () => {
    const sent = nativeBodies.sent;
    const cases: [string, string | null, Buffer][] = [
      ['/public/small.bin', null, small],
      ['/public/small.bin', 'bytes=0-0', small.subarray(0, 1)],
      ['/public/small.bin', 'bytes=299999-299999', small.subarray(299_999)],
      ['/public/small.bin', 'bytes=-1', small.subarray(-1)],
      ['/public/small.bin', 'bytes=-65536', small.subarray(-65_536)],
      ['/public/small.bin', 'bytes=1000-', small.subarray(1000)],
      ['/public/small.bin', 'bytes=100-99999999', small.subarray(100)],
      ['/public/one', null, Buffer.from('x')],
      ['/public/empty', null, Buffer.alloc(0)],
      [
        '/public/multi.bin',
        `bytes=${part1.length - 5}-${part1.length + 4}`,
        multi.subarray(part1.length - 5, part1.length + 5),
      ],
      ['/public/multi.bin', `bytes=${part1.length}-`, part2],
      ['/public/multi.bin', 'bytes=-1048576', multi.subarray(-MiB)],
      ['/public/large.bin', 'bytes=1-4194304', large.subarray(1, 4_194_305)],
    ];
    for (const [path, range, expected] of cases) await same(path, range, expected);
    // A response whose request came while the previous one was still being sent takes JavaScript.
    assert.ok(nativeBodies.sent >= sent + 3, 'the bodies were not sent by the addon');
    const h = await same('/public/small.bin', 'bytes=0-9', Buffer.alloc(0), 'HEAD');
    assert.equal(h.headers['content-length'], '10');
  });

  it('keeps the connection: whole large objects and pipelined requests on one socket', async () => {
    const queued = nativeBodies.queued;
    // Larger than the sockets' buffers and than what is sent on the event loop: the thread sends the rest.
    const whole = await answerOf(`${nativeUrl}/public/large.bin`);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(large));
    assert.ok(nativeBodies.queued > queued, 'the body did not go to the thread');
    // Requests sent together: those parsed while an answer is being sent wait for it, then take their turn.
    const req = (range: string) =>
      `GET /public/large.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=${range}\r\n\r\n`;
    const text = req('0-16777215') + req('5-9') + req('16777216-20971519') + req('-3');
    const rs = responses(await raw(nativePort, text, 20 * MiB + 8, (b) => responses(b).length === 4));
    assert.deepEqual(
      rs.map((r) => r.status),
      [206, 206, 206, 206],
    );
    assert.ok(rs[0]!.body.equals(large.subarray(0, 16 * MiB)));
    assert.ok(rs[1]!.body.equals(large.subarray(5, 10)));
    assert.ok(rs[2]!.body.equals(large.subarray(16 * MiB, 20 * MiB)));
    assert.ok(rs[3]!.body.equals(large.subarray(-3)));
    // And the connection goes on after the thread's answers.
    const next = req('0-16777215') + req('100-199');
    const rs2 = responses(await raw(nativePort, next, 16 * MiB + 100, (b) => responses(b).length === 2));
    assert.ok(rs2[1]!.body.equals(large.subarray(100, 200)));
  });

  it('sends a whole object of many parts, and a range across three of them', async () => {
    const get = async (range: string, least: number) => {
      const text = `GET /public/six.bin HTTP/1.1\r\nHost: x\r\n${range}\r\n`;
      const rs = responses(await raw(nativePort, text, least, (b) => responses(b).length === 1));
      return rs[0]!;
    };
    const sent = nativeBodies.sent;
    const whole = await get('', six.length);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(six));
    const r = await get(`Range: bytes=${5 * MiB - 1}-${15 * MiB}\r\n`, 10 * MiB);
    assert.equal(r.status, 206);
    assert.ok(r.body.equals(six.subarray(5 * MiB - 1, 15 * MiB + 1)));
    assert.equal(nativeBodies.sent, sent + 2);
  });

  it('a client leaving mid-body leaves the server healthy and no descriptor open', async () => {
    // Warm up: descriptors the server keeps open anyway (the version files' cache, keep-alive sockets).
    await same('/public/large.bin', 'bytes=0-9', large.subarray(0, 10));
    const fds0 = openFds();
    const queued = nativeBodies.queued;
    for (let i = 0; i < 3; i++) {
      // Asks for 48 MiB, more than the sockets' buffers hold, reads 1 MiB of it, then resets.
      await raw(nativePort, 'GET /public/large.bin HTTP/1.1\r\nHost: x\r\n\r\n', MiB, () => true);
    }
    assert.ok(nativeBodies.queued >= queued + 3, 'the bodies did not go to the thread');
    await until('descriptors to be closed', () => openFds() <= fds0);
    await same('/public/multi.bin', 'bytes=-1048576', multi.subarray(-MiB));
  });

  it('a file cut short under it ends the connection, never a short body as complete', async () => {
    const dir = join(hub.dataDir, 'objects', 'data', 'public');
    const size = 2 * MiB + 3;
    const file = readdirSync(dir)
      .flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)))
      .find((f) => statSync(f).size === size);
    assert.ok(file, 'the object file was not found');
    truncateSync(file, MiB);
    const got = await raw(
      nativePort,
      'GET /public/cut.bin HTTP/1.1\r\nHost: x\r\n\r\n',
      size + 1000,
      () => false,
    );
    const end = got.indexOf('\r\n\r\n');
    assert.match(got.subarray(0, end).toString(), /content-length: 2097155/i);
    assert.ok(got.length - end - 4 < size, 'the connection must end before a complete body');
    await same('/public/small.bin', 'bytes=5-', small.subarray(5));
  });
});
