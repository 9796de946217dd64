/**
 * The S3 wire protocol where SDKs choose for us: aws-chunked bodies (signed chunks, unsigned with checksum
 * trailers), checksum and payload-hash mismatches, XML error bodies, odd keys, the public bucket, bucket
 * policies, and the signing service. Requests are signed here by the SigV4 rules of AWS's documentation.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';
import { newChecksum } from './checksums.ts';
import { EMPTY_SHA256, hmac, sha256hex, signingKey, uriEncode } from './sigv4.ts';

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

function amzNow(): string {
  return new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** Signs a path-style request with the Authorization header; returns headers and the seed signature. */
function sign(
  url: URL,
  method: string,
  creds: Creds,
  payloadHash: string,
  extra: Record<string, string> = {},
  path = url.pathname,
) {
  const datetime = amzNow();
  const date = datetime.slice(0, 8);
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-date': datetime,
    'x-amz-content-sha256': payloadHash,
    ...extra,
  };
  const names = Object.keys(headers).sort();
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${uriEncode(k, false)}=${uriEncode(v, false)}`)
    .sort()
    .join('&');
  const creq = [
    method,
    uriEncode(decodeURIComponent(path), true),
    query,
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const key = signingKey(creds.secretAccessKey, date, 'us-east-1', 's3');
  const signature = hmac(key, ['AWS4-HMAC-SHA256', datetime, scope, sha256hex(creq)].join('\n')).toString(
    'hex',
  );
  headers['authorization'] =
    `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { headers, signature, key, datetime, scope };
}

function signedChunks(
  data: Buffer[],
  s: { signature: string; key: Buffer; datetime: string; scope: string },
): Buffer {
  let prev = s.signature;
  const parts: Buffer[] = [];
  for (const chunk of [...data, Buffer.alloc(0)]) {
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', s.datetime, s.scope, prev, EMPTY_SHA256, sha256hex(chunk)].join(
      '\n',
    );
    prev = hmac(s.key, sts).toString('hex');
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${prev}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    );
  }
  return Buffer.concat(parts);
}

function rawRequest(base: URL, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function crc32b64(b: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out.toString('base64');
}

describe('S3 protocol details', () => {
  let hub: TestHub;
  let carol: Creds;
  let dave: Creds;
  let daveToken: string;
  const url = (p: string) => new URL(hub.s3Url + p);
  before(async () => {
    hub = await startTestHub();
    await hub.user('carol', { groups: ['lab'] });
    daveToken = await hub.user('dave', { groups: ['lab'] });
    carol = hub.services.identity.users.credentials('carol');
    dave = hub.services.identity.users.credentials('dave');
  });
  after(async () => {
    await hub.close();
  });

  it('accepts STREAMING-AWS4-HMAC-SHA256-PAYLOAD and checks every chunk signature', async () => {
    const data = [Buffer.alloc(64 * 1024, 1), Buffer.from('end')];
    const u = url('/carol/chunked.bin');
    const s = sign(u, 'PUT', carol, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(64 * 1024 + 3),
    });
    const body = signedChunks(data, s);
    const ok = await fetch(u, { method: 'PUT', headers: s.headers, body: new Uint8Array(body) });
    assert.equal(ok.status, 200, await ok.text());
    const got = Buffer.from(
      await (await fetch(u, { headers: sign(u, 'GET', carol, EMPTY_SHA256).headers })).arrayBuffer(),
    );
    assert.ok(got.equals(Buffer.concat(data)));

    const s2 = sign(url('/carol/tampered.bin'), 'PUT', carol, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {
      'x-amz-decoded-content-length': '3',
    });
    const bad = signedChunks([Buffer.from('abc')], s2);
    // Change the first byte of the data (just after the chunk header line), keep its signature. Searching
    // for 'abc' would sometimes hit the hex chunk signature instead, which is a 400 (malformed), not a 403.
    bad[bad.indexOf('\r\n') + 2] = 0x78;
    const r = await fetch(url('/carol/tampered.bin'), {
      method: 'PUT',
      headers: s2.headers,
      body: new Uint8Array(bad),
    });
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const head = await fetch(url('/carol/tampered.bin'), {
      method: 'HEAD',
      headers: sign(url('/carol/tampered.bin'), 'HEAD', carol, EMPTY_SHA256).headers,
    });
    assert.equal(head.status, 404, 'a refused body leaves no object');
  });

  for (const alg of ['crc32', 'crc32c', 'sha256'] as const) {
    it(`accepts STREAMING-UNSIGNED-PAYLOAD-TRAILER with an x-amz-checksum-${alg} trailer and refuses a wrong one`, async () => {
      const data = Buffer.from(`payload for ${alg}`.repeat(1000));
      const sum = newChecksum(alg);
      sum.update(data);
      const good = sum.digest();
      for (const [value, status] of [
        [good, 200],
        [
          alg === 'sha256' ? sha256hex('x') && createHash('sha256').update('x').digest('base64') : 'AAAAAA==',
          400,
        ],
      ] as const) {
        const u = url(`/carol/trailer-${alg}-${status}`);
        const s = sign(u, 'PUT', carol, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', {
          'content-encoding': 'aws-chunked',
          'x-amz-decoded-content-length': String(data.length),
          'x-amz-trailer': `x-amz-checksum-${alg}`,
        });
        const half = data.length >> 1;
        const body = Buffer.concat([
          Buffer.from(`${half.toString(16)}\r\n`),
          data.subarray(0, half),
          Buffer.from(`\r\n${(data.length - half).toString(16)}\r\n`),
          data.subarray(half),
          Buffer.from(`\r\n0\r\nx-amz-checksum-${alg}:${value}\r\n\r\n`),
        ]);
        const r = await fetch(u, { method: 'PUT', headers: s.headers, body });
        const text = await r.text();
        assert.equal(r.status, status, text);
        if (status === 200) assert.equal(r.headers.get(`x-amz-checksum-${alg}`), good);
        else assert.match(text, /<Code>BadDigest<\/Code>/);
      }
    });
  }

  it('checks a signed payload hash and x-amz-checksum-crc32 headers', async () => {
    const body = Buffer.from('signed body');
    const u = url('/carol/signed');
    const ok = await fetch(u, {
      method: 'PUT',
      headers: sign(u, 'PUT', carol, sha256hex(body), { 'x-amz-checksum-crc32': crc32b64(body) }).headers,
      body,
    });
    assert.equal(ok.status, 200);
    const bad = await fetch(u, {
      method: 'PUT',
      headers: sign(u, 'PUT', carol, sha256hex('other')).headers,
      body,
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /<Code>XAmzContentSHA256Mismatch<\/Code>/);
  });

  it('keeps keys with spaces, %, +, unicode and .. segments, up to 1024 bytes', async () => {
    for (const key of ['a b/%41+c', 'ünï/😀', '../../etc/passwd', 'x/./y/../z', 'k'.repeat(1024)]) {
      // node:http, not fetch: WHATWG URLs resolve `..` segments (even as %2E%2E) before sending.
      const path = `/carol/${uriEncode(key, true)}`;
      const u = url('/');
      const signedFor = (m: string, p: string) =>
        sign(u, m, carol, m === 'PUT' ? 'UNSIGNED-PAYLOAD' : EMPTY_SHA256, {}, p).headers;
      const put = await rawRequest(u, 'PUT', path, signedFor('PUT', path), key);
      assert.equal(put.status, 200, `${key}: ${put.body}`);
      const get = await rawRequest(u, 'GET', path, signedFor('GET', path));
      assert.equal(get.body, key);
    }
    assert.equal(readdirSync(join(hub.dataDir, '..')).includes('etc'), false);
    const long = url(`/carol/${'k'.repeat(1025)}`);
    const r = await fetch(long, {
      method: 'PUT',
      headers: sign(long, 'PUT', carol, 'UNSIGNED-PAYLOAD').headers,
      body: 'x',
    });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /<Code>KeyTooLongError<\/Code>/);
  });

  it('answers errors as S3 XML with S3 status codes, never a stack', async () => {
    const r = await fetch(url('/nosuchbucket/key'));
    assert.equal(r.status, 404);
    const text = await r.text();
    assert.match(
      text,
      /^<\?xml[^>]*>\s*<Error><Code>NoSuchBucket<\/Code><Message>[^<]+<\/Message><Resource>\/nosuchbucket\/key<\/Resource>/,
    );
    const anon = await fetch(url('/carol/signed'));
    assert.equal(anon.status, 403);
    assert.match(await anon.text(), /<Code>AccessDenied<\/Code>/);
    const bogus = await fetch(url('/carol/x'), { headers: { authorization: 'Basic abc' } });
    assert.equal(bogus.status, 400);
    assert.doesNotMatch(await bogus.text(), /at .*\.ts/);
  });

  it('answers CORS preflights and lets browsers read the headers range readers need', async () => {
    const pre = await fetch(url('/public/hello.txt'), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://viewer.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'range',
      },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /range/);
    const get = await fetch(url('/nosuchbucket/x'), { headers: { origin: 'https://viewer.example' } });
    assert.equal(get.headers.get('access-control-allow-origin'), '*');
    assert.match(get.headers.get('access-control-expose-headers') ?? '', /Content-Range/);
  });

  it('lets anyone read the public bucket, and only admins write it', async () => {
    const admin = hub.services.identity.users.credentials('admin');
    const u = url('/public/hello.txt');
    assert.equal(
      (
        await fetch(u, {
          method: 'PUT',
          headers: sign(u, 'PUT', admin, 'UNSIGNED-PAYLOAD').headers,
          body: 'hi all',
        })
      ).status,
      200,
    );
    assert.equal(await (await fetch(u)).text(), 'hi all');
    assert.match(await (await fetch(url('/public?list-type=2'))).text(), /<Key>hello.txt<\/Key>/);
    assert.equal(
      (
        await fetch(u, {
          method: 'PUT',
          headers: sign(u, 'PUT', carol, 'UNSIGNED-PAYLOAD').headers,
          body: 'x',
        })
      ).status,
      403,
    );
    assert.equal((await fetch(u, { method: 'PUT', body: 'x' })).status, 403);
  });

  it('applies bucket policies: shared read with a group, read-write with a user, public-read', async () => {
    const obj = url('/carol/shared.txt');
    await fetch(obj, {
      method: 'PUT',
      headers: sign(obj, 'PUT', carol, 'UNSIGNED-PAYLOAD').headers,
      body: 'shared',
    });
    const read = () => fetch(obj, { headers: sign(obj, 'GET', dave, EMPTY_SHA256).headers });
    const write = () =>
      fetch(obj, {
        method: 'PUT',
        headers: sign(obj, 'PUT', dave, 'UNSIGNED-PAYLOAD').headers,
        body: 'dave',
      });
    assert.equal((await read()).status, 403);
    const setPolicy = async (policy: object, who = carol) => {
      const p = url('/carol?policy');
      const body = JSON.stringify(policy);
      return fetch(p, { method: 'PUT', headers: sign(p, 'PUT', who, sha256hex(body)).headers, body });
    };
    assert.equal((await setPolicy({ access: 'private', read: ['group:lab'] }, dave)).status, 403);
    assert.equal((await setPolicy({ access: 'private', read: ['group:lab'] })).status, 204);
    assert.equal((await read()).status, 200);
    assert.equal((await write()).status, 403);
    assert.equal((await setPolicy({ access: 'private', readWrite: ['user:dave'] })).status, 204);
    assert.equal((await write()).status, 200);
    assert.equal((await fetch(obj)).status, 403);
    assert.equal((await setPolicy({ access: 'public-read' })).status, 204);
    assert.equal(await (await fetch(obj)).text(), 'dave');
    assert.equal((await setPolicy({ access: 'everyone' })).status, 400);
  });

  it('signs hrefs and bucket tokens at /api/sas/v1 for readers only', async () => {
    const key = url('/dave/notes/a b.txt');
    await fetch(key, {
      method: 'PUT',
      headers: sign(key, 'PUT', dave, 'UNSIGNED-PAYLOAD').headers,
      body: 'dave notes',
    });
    const href = `${hub.s3Url}/dave/notes/a%20b.txt`;
    const signed = await hub.api(`/api/sas/v1/sign?href=${encodeURIComponent(href)}`, { token: daveToken });
    assert.equal(signed.status, 200);
    const body = (await signed.json()) as { href: string; 'msft:expiry': string };
    assert.ok(Date.parse(body['msft:expiry']) > Date.now());
    assert.equal(await (await fetch(body.href)).text(), 'dave notes');
    assert.equal(
      (await fetch(body.href.replace('a%20b.txt', 'other.txt'))).status,
      403,
      'the signature pins the object',
    );
    const viaS3 = await hub.api(`/api/sas/v1/sign?href=${encodeURIComponent('s3://dave/notes/a b.txt')}`, {
      token: daveToken,
    });
    assert.equal(viaS3.status, 200);
    assert.equal(
      (await hub.api(`/api/sas/v1/sign?href=${encodeURIComponent(href)}`, { token: null })).status,
      401,
    );
    assert.equal(
      (await hub.api(`/api/sas/v1/sign?href=https://elsewhere.example/x/y`, { token: daveToken })).status,
      400,
    );
    const tok = await hub.api('/api/sas/v1/token/dave', { token: daveToken });
    const { token } = (await tok.json()) as { token: string };
    assert.equal(await (await fetch(`${href}?${token}`)).text(), 'dave notes');
    assert.equal((await fetch(`${hub.s3Url}/dave?list-type=2&${token}`)).status, 200);
    assert.equal(
      (await fetch(`${href}?${token}`, { method: 'PUT', body: 'x' })).status,
      403,
      'tokens only read',
    );
    assert.equal(
      (await fetch(`${hub.s3Url}/carol/shared.txt?${token}`)).status,
      403,
      'a token covers its own bucket',
    );
    assert.equal(
      (await hub.api('/api/sas/v1/token/carol', { token: daveToken })).status,
      200,
      'carol made it public-read',
    );
    assert.equal((await hub.api('/api/sas/v1/token/admin', { token: daveToken })).status, 403);
  });
});
