/** Virtual-hosted-style addressing: `bucket.<s3 host>/key`, when s3.publicUrl names a DNS host. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { ANONYMOUS } from '../../core/identity/index.ts';
import { startTestHub } from '../../testing/hub.ts';

function get(base: string, host: string, path: string) {
  const u = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('bucket.<host> addresses the bucket; the plain host stays path-style', async () => {
  const hub = await startTestHub({ 's3.publicUrl': 'http://s3.terrahub.test' });
  try {
    const s = hub.services.storage;
    const admin = hub.services.identity.users.get('admin');
    const p = { user: admin, scopes: new Set(['admin' as const]), tokenId: null };
    await s.putObject(p, 'public', 'dir/hello.txt', Readable.from([Buffer.from('virtual hello')]), {
      user: {},
    });
    assert.equal(s.canRead(ANONYMOUS, 'public'), true);
    const v = await get(hub.s3Url!, 'public.s3.terrahub.test', '/dir/hello.txt');
    assert.equal(v.status, 200);
    assert.equal(v.body, 'virtual hello');
    const list = await get(hub.s3Url!, 'public.s3.terrahub.test:80', '/?list-type=2&prefix=dir/');
    assert.match(list.body, /<Key>dir\/hello.txt<\/Key>/);
    const pathStyle = await get(hub.s3Url!, 's3.terrahub.test', '/public/dir/hello.txt');
    assert.equal(pathStyle.body, 'virtual hello');
  } finally {
    await hub.close();
  }
});
