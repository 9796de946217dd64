/** The TypeScript client against a real TerraHub: identity, credentials, signing with a token cache, search. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { collection, item } from '../catalog/testing.fixtures.ts';
import { ownerScopes } from '../core/identity/index.ts';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { TerraHubApiError, TerraHubClient } from './client.ts';

let hub: TestHub;
let alice: TerraHubClient;

before(async () => {
  hub = await startTestHub();
  alice = new TerraHubClient({ url: hub.url, token: await hub.user('alice') });
  await alice.request('/api/stac/v1/collections', { method: 'POST', body: collection('sdk-test') });
  for (let i = 0; i < 5; i++) {
    await alice.request('/api/stac/v1/collections/sdk-test/items', {
      method: 'POST',
      body: {
        ...item(`i${i}`, { x: i, collection: 'sdk-test' }),
        assets: { data: { href: `s3://alice/f${i}.txt` } },
      },
    });
  }
  const user = hub.services.identity.users.get('alice');
  const principal = { user, scopes: ownerScopes(user), tokenId: null };
  await hub.services.storage.putObject(principal, 'alice', 'f0.txt', Buffer.from('hello'));
});
after(async () => {
  await hub.close();
});

test('who am I, and my S3 credentials', async () => {
  assert.equal((await alice.me()).name, 'alice');
  const c = await alice.credentials();
  assert.equal(c.access_key_id, hub.services.identity.users.credentials('alice').accessKeyId);
  assert.equal(c.endpoint_url, hub.s3Url);
});

test('signed hrefs open with plain HTTP; one token per bucket is reused', async () => {
  const r = await fetch(await alice.signHref('s3://alice/f0.txt'));
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'hello');
  assert.equal((await fetch(`${hub.s3Url}/alice/f0.txt`)).status, 403, 'unsigned, the object is private');
  const signed = await alice.sign({ type: 'Feature', assets: { data: { href: 's3://alice/f0.txt' } } });
  assert.match(signed.assets.data.href, new RegExp(`^${hub.s3Url}/alice/f0.txt\\?`));
  const again = await alice.sign({ assets: { a: { href: `${hub.s3Url}/alice/f1.txt` } } });
  assert.equal(again.assets.a.href.split('?')[1], signed.assets.data.href.split('?')[1]);
  assert.equal(await alice.signHref('https://example.com/x.tif'), 'https://example.com/x.tif');
});

test('search follows next links through every page', async () => {
  const ids: string[] = [];
  for await (const f of alice.search({ collections: ['sdk-test'], limit: 2 })) ids.push(String(f['id']));
  assert.deepEqual(ids.sort(), ['i0', 'i1', 'i2', 'i3', 'i4']);
});

test('errors carry TerraHub code and message', async () => {
  const bob = new TerraHubClient({ url: hub.url, token: await hub.user('bob') });
  await assert.rejects(bob.credentials({ user: 'alice' }), (e: unknown) => {
    assert.ok(e instanceof TerraHubApiError);
    assert.equal(e.status, 403);
    assert.equal(e.code, 'TH_FORBIDDEN');
    return true;
  });
  await assert.rejects(bob.bucketToken('alice'), { status: 403 });
});

test('`terrahub credentials` in a user server asks the hub through this client', async () => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'terrahub.js');
  const token = hub.services.identity.tokens.create(hub.services.identity.users.get('alice'), {}).token;
  // Asynchronously: the hub answering the command runs in this very process.
  const { stdout: out } = await promisify(execFile)(process.execPath, [bin, 'credentials'], {
    env: { PATH: process.env['PATH'] ?? '', TERRAHUB_URL: hub.url, TERRAHUB_TOKEN: token },
  });
  const keys = hub.services.identity.users.credentials('alice');
  assert.match(out, new RegExp(`^export AWS_ACCESS_KEY_ID=${keys.accessKeyId}$`, 'm'));
  assert.match(out, new RegExp(`^export AWS_ENDPOINT_URL=${hub.s3Url}$`, 'm'));
});
