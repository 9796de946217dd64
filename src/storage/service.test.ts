import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ANONYMOUS, ownerScopes, type Principal } from '../core/identity/index.ts';
import { startTestHub, type TestHub } from '../testing/hub.ts';
import { homeBucketName } from './buckets.ts';

describe('StorageService', () => {
  let hub: TestHub;
  const as = (name: string): Principal => {
    const user = hub.services.identity.users.get(name);
    return { user, scopes: ownerScopes(user), tokenId: null };
  };
  before(async () => {
    hub = await startTestHub({ 'storage.quota': '1MB' });
    await hub.user('alice');
    await hub.user('bob', { groups: ['lab'] });
    await hub.user('x_y');
  });
  after(async () => {
    await hub.close();
  });

  it('gives each user a home bucket named from the user name', () => {
    const s = hub.services.storage;
    assert.equal(s.homeBucket(hub.services.identity.users.get('alice')), 'alice');
    assert.equal(homeBucketName('x_y'), s.homeBucket(hub.services.identity.users.get('x_y')));
    assert.match(homeBucketName('x_y'), /^x-y-[0-9a-f]{7}$/);
    assert.match(homeBucketName('al'), /^al-[0-9a-f]{7}$/);
    assert.notEqual(homeBucketName('public'), 'public');
  });

  it('writes and range-reads an object through a ByteSource', async () => {
    const s = hub.services.storage;
    await s.putObject(as('alice'), 'alice', 'dir/file.bin', Buffer.from('0123456789'), {
      contentType: 'x/y',
    });
    const src = await s.openObject(as('alice'), 'alice', 'dir/file.bin');
    assert.equal(src.size, 10);
    assert.equal(Buffer.from(await src.read(3, 4)).toString(), '3456');
    assert.equal((await s.headObject(as('alice'), 'alice', 'dir/file.bin'))?.meta.contentType, 'x/y');
  });

  it('keeps buckets private to their owner until a policy shares them', async () => {
    const s = hub.services.storage;
    assert.equal(s.canRead(as('bob'), 'alice'), false);
    assert.equal(s.canRead(ANONYMOUS, 'alice'), false);
    await assert.rejects(s.openObject(as('bob'), 'alice', 'dir/file.bin'), { code: 'TH_S3_ACCESS_DENIED' });
    s.setPolicy(as('alice'), 'alice', { access: 'private', read: ['group:lab'], readWrite: [] });
    assert.equal(s.canRead(as('bob'), 'alice'), true);
    assert.equal(s.canWrite(as('bob'), 'alice'), false);
    assert.throws(() => s.setPolicy(as('bob'), 'alice', { access: 'public-read', read: [], readWrite: [] }), {
      code: 'TH_S3_ACCESS_DENIED',
    });
  });

  it('lets anyone read the public bucket and only admins write it', async () => {
    const s = hub.services.storage;
    const admin = as('admin');
    await s.putObject(admin, 'public', 'readme.txt', Buffer.from('hi'));
    assert.equal(s.canRead(ANONYMOUS, 'public'), true);
    await assert.rejects(s.putObject(as('bob'), 'public', 'x', Buffer.from('no')), {
      code: 'TH_S3_ACCESS_DENIED',
    });
  });

  it('refuses writes past the quota and reports usage', async () => {
    const s = hub.services.storage;
    await assert.rejects(s.putObject(as('bob'), 'bob', 'big', Buffer.alloc(1_100_000)), {
      code: 'TH_S3_QUOTA_EXCEEDED',
    });
    await s.putObject(as('bob'), 'bob', 'ok', Buffer.alloc(600_000));
    const usage = s.usage(hub.services.identity.users.get('bob'));
    assert.deepEqual(usage, { home_bucket: 'bob', used_bytes: 600_000, quota_bytes: 1_000_000 });
    await assert.rejects(s.putObject(as('bob'), 'bob', 'more', Buffer.alloc(500_000)), {
      code: 'TH_S3_QUOTA_EXCEEDED',
    });
  });

  it('parses s3:// and S3 endpoint hrefs, and presigns URLs on the S3 endpoint', () => {
    const s = hub.services.storage;
    assert.deepEqual(s.parseHref('s3://alice/a/b c.tif'), { bucket: 'alice', key: 'a/b c.tif' });
    assert.deepEqual(s.parseHref(`${hub.services.s3PublicUrl}/alice/a/b%20c.tif?x=1`), {
      bucket: 'alice',
      key: 'a/b c.tif',
    });
    assert.equal(s.parseHref('https://example.com/alice/x'), null);
    assert.equal(s.parseHref('s3://alice/'), null);
    const url = s.presignGet('alice', 'a/b c.tif', 60);
    assert.ok(
      url.startsWith(`${hub.services.s3PublicUrl}/alice/a/b%20c.tif?X-Amz-Algorithm=AWS4-HMAC-SHA256`),
      url,
    );
  });
});
