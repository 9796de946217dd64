/**
 * The fast GET/HEAD path (./fast-get.ts) against the normal one: every request it answers must get the
 * same status, headers and bytes as through Fastify, and every other request must reach Fastify untouched.
 * The fast path is served here on a server of its own whose fallback only counts; the normal path's answer
 * comes from the hub's S3 listener with an `Origin` header (CORS requests take the normal path), whose CORS
 * headers are then left out of the comparison.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { SAS_ACCESS_KEY } from '../service.ts';
import { answer, putParts } from './fast-get.testing.ts';
import { withFastGet } from './fast-get.ts';

const IGNORED = new Set(['date', 'x-amz-request-id', 'connection', 'keep-alive']);

const answerOf = (url: string, init: RequestInit = {}) => answer(url, init, IGNORED);

describe('S3 fast GET path', () => {
  let hub: TestHub;
  let server: Server;
  let fastUrl: string;
  let delegated = 0;
  const big = randomBytes(300_000);
  const part1 = randomBytes(5 * 1024 * 1024);
  const part2 = randomBytes(100_000);
  let erin: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    hub = await startTestHub();
    await hub.user('erin');
    erin = hub.services.identity.users.credentials('erin');
    const storage = hub.services.storage;
    const put = (bucket: string, key: string, body: Buffer, meta = {}) =>
      storage.store.put(bucket, key, Readable.from([body]), { user: {}, ...meta });
    await put('public', 'f.bin', big, {
      contentType: 'image/tiff',
      cacheControl: 'max-age=60',
      contentDisposition: 'inline',
      user: { project: 'terra', note: 'caf\u00e9' },
    });
    await put('public', 'dir/a b+c%.txt', Buffer.from('hello'));
    await put('public', 'empty', Buffer.alloc(0));
    await put('erin', 'private.bin', big);
    await putParts(storage.store, 'public', 'multi.bin', [part1, part2]);
    const sas = { accessKeyId: SAS_ACCESS_KEY, secret: () => storage.buckets.secret('sas-signing-key') };
    const listener = withFastGet(
      { storage, identity: hub.services.identity, virtualHostBase: null, sas, log: hub.services.log },
      (_req, res) => {
        delegated++;
        res.writeHead(599).end();
      },
    );
    server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fastUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await hub.close();
  });

  /** Asserts that the fast path answers `path` itself, exactly as the normal path does. */
  async function same(path: string, init: RequestInit = {}, fastPath = path) {
    const before = delegated;
    const fast = await answerOf(fastUrl + fastPath, init);
    assert.equal(delegated, before, `${init.method ?? 'GET'} ${path} went to the normal path`);
    const headers = { ...(init.headers as Record<string, string>), origin: 'http://example.org' };
    const normal = await answerOf(hub.s3Url + path, { ...init, headers });
    assert.deepEqual(fast.headers, normal.headers, `${path}: headers`);
    assert.equal(fast.status, normal.status, `${path}: status`);
    assert.ok(fast.body.equals(normal.body), `${path}: body`);
    return fast;
  }

  /** Asserts that the fast path hands `path` to the normal path without answering it. */
  async function delegatedTo(path: string, init: RequestInit = {}) {
    const before = delegated;
    const res = await fetch(fastUrl + path, init);
    await res.arrayBuffer();
    assert.equal(res.status, 599, `${path} was answered by the fast path`);
    assert.equal(delegated, before + 1);
  }

  it('answers whole objects, ranges, suffix and open ranges as the normal path does', async () => {
    const whole = await same('/public/f.bin');
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(big));
    assert.equal(whole.headers['x-amz-meta-project'], 'terra');
    for (const range of ['bytes=0-99', 'bytes=1000-', 'bytes=-500', 'bytes=299990-400000', 'bytes=7-7']) {
      const r = await same('/public/f.bin', { headers: { range } });
      assert.equal(r.status, 206, range);
    }
    const r = await same('/public/f.bin', { headers: { range: 'bytes=100-199' } });
    assert.equal(r.headers['content-range'], 'bytes 100-199/300000');
    assert.ok(r.body.equals(big.subarray(100, 200)));
    // A range S3 ignores (end before start): the whole object, 200.
    assert.equal((await same('/public/f.bin', { headers: { range: 'bytes=50-10' } })).status, 200);
    await same('/public/dir/a%20b%2Bc%25.txt');
    await same('/public/empty');
    // Checksum mode changes nothing for ranges (S3 sends no checksum of a part of an object).
    await same('/public/f.bin', { headers: { range: 'bytes=0-9', 'x-amz-checksum-mode': 'ENABLED' } });
  });

  it('reads multipart objects across their parts', async () => {
    const at = part1.length - 1000;
    const r = await same('/public/multi.bin', { headers: { range: `bytes=${at}-${at + 4999}` } });
    assert.ok(r.body.equals(Buffer.concat([part1.subarray(at), part2.subarray(0, 4000)])));
    await same('/public/multi.bin', { headers: { range: 'bytes=-70000' } });
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const h = await same('/public/f.bin', { method: 'HEAD' });
    assert.equal(h.headers['content-length'], '300000');
    assert.equal(h.body.length, 0);
    await same('/public/f.bin', { method: 'HEAD', headers: { range: 'bytes=0-9' } });
  });

  it('answers presigned and signed GETs of private objects', async () => {
    const presign = (endpoint: string) =>
      getSignedUrl(
        new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: erin }),
        new GetObjectCommand({ Bucket: 'erin', Key: 'private.bin', Range: 'bytes=10-19' }),
        { expiresIn: 600 },
      );
    const fastSigned = new URL(await presign(fastUrl));
    const normalSigned = new URL(await presign(hub.s3Url!));
    const r = await same(
      normalSigned.pathname + normalSigned.search,
      { headers: { range: 'bytes=10-19' } },
      fastSigned.pathname + fastSigned.search,
    );
    assert.ok(r.body.equals(big.subarray(10, 20)));
    // Signed in the Authorization header, by the SDK.
    const before = delegated;
    const client = new S3Client({
      endpoint: fastUrl,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: erin,
      maxAttempts: 1,
    });
    const got = await client.send(
      new GetObjectCommand({ Bucket: 'erin', Key: 'private.bin', Range: 'bytes=-1000' }),
    );
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(big.subarray(-1000)));
    assert.equal(got.ContentRange, 'bytes 299000-299999/300000');
    assert.equal(delegated, before);
    client.destroy();
  });

  it('hands everything else to the normal path', async () => {
    await delegatedTo('/public/f.bin', { headers: { range: 'bytes=300000-' } }); // 416
    await delegatedTo('/public/f.bin', { headers: { range: 'bytes=0-1,5-6' } });
    await delegatedTo('/public/f.bin', { headers: { 'if-none-match': '"x"' } });
    await delegatedTo('/public/f.bin', { headers: { origin: 'http://example.org' } });
    await delegatedTo('/public/f.bin', { headers: { 'x-amz-checksum-mode': 'ENABLED' } }); // whole: may carry one
    await delegatedTo('/public/f.bin', { headers: { 'x-amz-checksum-mode': 'ENABLED', range: 'bytes=9-1' } });
    await delegatedTo('/public/f.bin?partNumber=1');
    await delegatedTo('/public/f.bin?response-content-type=text/plain');
    await delegatedTo('/public/nothing-here');
    await delegatedTo('/nobucket/f.bin');
    await delegatedTo('/erin/private.bin'); // anonymous: denied
    await delegatedTo('/public');
    await delegatedTo('/public/f.bin', { method: 'DELETE' });
    await delegatedTo('/erin/private.bin', {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=nobody/20260101/us-east-1/s3/aws4_request' },
    });
  });

  it('follows policy changes at once', async () => {
    await delegatedTo('/erin/private.bin');
    hub.services.storage.buckets.setPolicy('erin', { access: 'public-read', read: [], readWrite: [] });
    await same('/erin/private.bin', { headers: { range: 'bytes=0-9' } });
    hub.services.storage.buckets.setPolicy('erin', { access: 'private', read: [], readWrite: [] });
    await delegatedTo('/erin/private.bin');
  });

  it('serves a new version as soon as it is written', async () => {
    const storage = hub.services.storage;
    await same('/public/dir/a%20b%2Bc%25.txt');
    await storage.store.put('public', 'dir/a b+c%.txt', Readable.from([Buffer.from('changed!')]), {
      user: {},
    });
    const r = await same('/public/dir/a%20b%2Bc%25.txt');
    assert.equal(r.body.toString(), 'changed!');
    await storage.store.delete('public', 'dir/a b+c%.txt');
    await delegatedTo('/public/dir/a%20b%2Bc%25.txt');
  });
});
