/** The S3 endpoint judged by the AWS SDK for JavaScript v3 (with its default CRC32 checksums). */
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';

function client(hub: TestHub, creds: { accessKeyId: string; secretAccessKey: string }, extra = {}) {
  return new S3Client({
    endpoint: hub.s3Url!,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: creds,
    maxAttempts: 1,
    ...extra,
  });
}

describe('S3 endpoint with the AWS SDK for JavaScript v3', () => {
  let hub: TestHub;
  let alice: S3Client;
  let bob: S3Client;
  before(async () => {
    hub = await startTestHub({ 'storage.quota': '64MB' });
    await hub.user('alice');
    await hub.user('bob');
    alice = client(hub, hub.services.identity.users.credentials('alice'));
    bob = client(hub, hub.services.identity.users.credentials('bob'));
  });
  after(async () => {
    alice.destroy();
    bob.destroy();
    await hub.close();
  });

  it('puts and gets objects with metadata, ranges and conditionals', async () => {
    const put = await alice.send(
      new PutObjectCommand({
        Bucket: 'alice',
        Key: 'dir/a b+c%.txt',
        Body: 'hello world',
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
        ContentDisposition: 'inline',
        Metadata: { project: 'terra' },
      }),
    );
    assert.equal(put.ETag, `"${createHash('md5').update('hello world').digest('hex')}"`);
    const got = await alice.send(new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt' }));
    assert.equal(await got.Body!.transformToString(), 'hello world');
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.equal(got.ContentDisposition, 'inline');
    assert.deepEqual(got.Metadata, { project: 'terra' });
    const ranged = await alice.send(
      new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt', Range: 'bytes=-5' }),
    );
    assert.equal(ranged.ContentRange, 'bytes 6-10/11');
    assert.equal(await ranged.Body!.transformToString(), 'world');
    const open = await alice.send(
      new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt', Range: 'bytes=6-' }),
    );
    assert.equal(await open.Body!.transformToString(), 'world');
    await assert.rejects(
      alice.send(new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt', Range: 'bytes=20-30' })),
      (e: Error & { $metadata: { httpStatusCode: number } }) =>
        e.name === 'InvalidRange' && e.$metadata.httpStatusCode === 416,
    );
    await assert.rejects(
      alice.send(new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt', IfMatch: '"nope"' })),
      { name: 'PreconditionFailed' },
    );
    await assert.rejects(
      alice.send(new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt', IfNoneMatch: put.ETag })),
      (e: Error & { $metadata: { httpStatusCode: number } }) => e.$metadata.httpStatusCode === 304,
    );
    await assert.rejects(
      alice.send(
        new GetObjectCommand({
          Bucket: 'alice',
          Key: 'dir/a b+c%.txt',
          IfUnmodifiedSince: new Date(Date.now() - 86400e3),
        }),
      ),
      { name: 'PreconditionFailed' },
    );
    const head = await alice.send(new HeadObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt' }));
    assert.equal(head.ContentLength, 11);
    await assert.rejects(alice.send(new GetObjectCommand({ Bucket: 'alice', Key: 'missing' })), {
      name: 'NoSuchKey',
    });
    await assert.rejects(alice.send(new HeadObjectCommand({ Bucket: 'alice', Key: 'missing' })), {
      name: 'NotFound',
    });
  });

  it('uploads with lib-storage Upload (multipart, default checksums) and reads it back whole', async () => {
    const data = Buffer.alloc(11 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
    const res = await new Upload({
      client: alice,
      params: { Bucket: 'alice', Key: 'big/file.bin', Body: data },
    }).done();
    assert.match(res.ETag!, /^"[0-9a-f]{32}-3"$/);
    const got = await alice.send(new GetObjectCommand({ Bucket: 'alice', Key: 'big/file.bin' }));
    const back = Buffer.from(await got.Body!.transformToByteArray());
    assert.ok(back.equals(data));
  });

  it('runs the multipart API by hand: parts, copy part, list, complete, abort', async () => {
    const { UploadId } = await alice.send(
      new CreateMultipartUploadCommand({ Bucket: 'alice', Key: 'mp.bin' }),
    );
    const p1 = await alice.send(
      new UploadPartCommand({
        Bucket: 'alice',
        Key: 'mp.bin',
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * 1024 * 1024, 1),
      }),
    );
    const p2 = await alice.send(
      new UploadPartCopyCommand({
        Bucket: 'alice',
        Key: 'mp.bin',
        UploadId,
        PartNumber: 2,
        CopySource: 'alice/dir/a%20b%2Bc%25.txt',
        CopySourceRange: 'bytes=0-4',
      }),
    );
    const parts = await alice.send(new ListPartsCommand({ Bucket: 'alice', Key: 'mp.bin', UploadId }));
    assert.deepEqual(
      parts.Parts?.map((p) => p.PartNumber),
      [1, 2],
    );
    const uploads = await alice.send(new ListMultipartUploadsCommand({ Bucket: 'alice' }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === UploadId));
    await alice.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'alice',
        Key: 'mp.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag! },
            { PartNumber: 2, ETag: p2.CopyPartResult!.ETag! },
          ],
        },
      }),
    );
    const tail = await alice.send(
      new GetObjectCommand({ Bucket: 'alice', Key: 'mp.bin', Range: 'bytes=5242880-' }),
    );
    assert.equal(await tail.Body!.transformToString(), 'hello');
    const other = await alice.send(new CreateMultipartUploadCommand({ Bucket: 'alice', Key: 'gone.bin' }));
    await alice.send(
      new AbortMultipartUploadCommand({ Bucket: 'alice', Key: 'gone.bin', UploadId: other.UploadId }),
    );
    await assert.rejects(
      alice.send(new ListPartsCommand({ Bucket: 'alice', Key: 'gone.bin', UploadId: other.UploadId })),
      { name: 'NoSuchUpload' },
    );
  });

  it('lists V1 and V2 with prefix, delimiter, pagination and url encoding', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'alice-list' }));
    const keys = ['a/1', 'a/2', 'b/x/1', 'b/y', 'c', 'd e', 'ü'];
    for (const Key of keys) await alice.send(new PutObjectCommand({ Bucket: 'alice-list', Key, Body: Key }));
    const all: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await alice.send(
        new ListObjectsV2Command({ Bucket: 'alice-list', MaxKeys: 2, ContinuationToken }),
      );
      all.push(...(page.Contents ?? []).map((o) => o.Key!));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    assert.deepEqual(all, keys);
    const top = await alice.send(
      new ListObjectsV2Command({ Bucket: 'alice-list', Delimiter: '/', MaxKeys: 3 }),
    );
    assert.deepEqual(
      top.CommonPrefixes?.map((p) => p.Prefix),
      ['a/', 'b/'],
    );
    assert.deepEqual(
      top.Contents?.map((o) => o.Key),
      ['c'],
    );
    assert.equal(top.IsTruncated, true);
    const rest = await alice.send(
      new ListObjectsV2Command({
        Bucket: 'alice-list',
        Delimiter: '/',
        ContinuationToken: top.NextContinuationToken,
      }),
    );
    assert.deepEqual(
      rest.Contents?.map((o) => o.Key),
      ['d e', 'ü'],
    );
    const v1 = await alice.send(
      new ListObjectsCommand({ Bucket: 'alice-list', Prefix: 'b/', Delimiter: '/', MaxKeys: 1 }),
    );
    assert.deepEqual(
      v1.CommonPrefixes?.map((p) => p.Prefix),
      ['b/x/'],
    );
    assert.equal(v1.NextMarker, 'b/x/');
    const v1b = await alice.send(
      new ListObjectsCommand({ Bucket: 'alice-list', Prefix: 'b/', Delimiter: '/', Marker: v1.NextMarker }),
    );
    assert.deepEqual(
      v1b.Contents?.map((o) => o.Key),
      ['b/y'],
    );
    const after = await alice.send(
      new ListObjectsV2Command({ Bucket: 'alice-list', StartAfter: 'c', EncodingType: 'url' }),
    );
    assert.deepEqual(
      after.Contents?.map((o) => o.Key),
      ['d%20e', '%C3%BC'],
    );
  });

  it('copies objects, with COPY and REPLACE metadata directives, and deletes in bulk', async () => {
    await alice.send(
      new CopyObjectCommand({ Bucket: 'alice', Key: 'copy1', CopySource: 'alice/dir/a%20b%2Bc%25.txt' }),
    );
    const c1 = await alice.send(new HeadObjectCommand({ Bucket: 'alice', Key: 'copy1' }));
    assert.deepEqual(c1.Metadata, { project: 'terra' });
    await alice.send(
      new CopyObjectCommand({
        Bucket: 'alice',
        Key: 'copy2',
        CopySource: 'alice/dir/a%20b%2Bc%25.txt',
        MetadataDirective: 'REPLACE',
        Metadata: { other: '1' },
      }),
    );
    assert.deepEqual((await alice.send(new HeadObjectCommand({ Bucket: 'alice', Key: 'copy2' }))).Metadata, {
      other: '1',
    });
    const del = await alice.send(
      new DeleteObjectsCommand({
        Bucket: 'alice',
        Delete: { Objects: [{ Key: 'copy1' }, { Key: 'copy2' }, { Key: 'never' }] },
      }),
    );
    assert.equal(del.Deleted?.length, 3);
    await alice.send(new DeleteObjectCommand({ Bucket: 'alice', Key: 'never' }));
  });

  it('manages buckets: create, head, list, refuse non-empty delete, delete', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'alice-tmp' }));
    await assert.rejects(alice.send(new CreateBucketCommand({ Bucket: 'alice-tmp' })), {
      name: 'BucketAlreadyOwnedByYou',
    });
    await assert.rejects(bob.send(new CreateBucketCommand({ Bucket: 'alice-tmp' })), {
      name: 'BucketAlreadyExists',
    });
    await assert.rejects(alice.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })), {
      name: 'InvalidBucketName',
    });
    await alice.send(new HeadBucketCommand({ Bucket: 'alice-tmp' }));
    const names = (await alice.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    assert.ok(names?.includes('alice') && names.includes('alice-tmp') && !names.includes('bob'));
    await alice.send(new PutObjectCommand({ Bucket: 'alice-tmp', Key: 'x', Body: 'x' }));
    await assert.rejects(alice.send(new DeleteBucketCommand({ Bucket: 'alice-tmp' })), {
      name: 'BucketNotEmpty',
    });
    await alice.send(new DeleteObjectCommand({ Bucket: 'alice-tmp', Key: 'x' }));
    await alice.send(new DeleteBucketCommand({ Bucket: 'alice-tmp' }));
    await assert.rejects(alice.send(new HeadBucketCommand({ Bucket: 'alice-tmp' })), { name: 'NotFound' });
  });

  it('keeps other users out and says why', async () => {
    await assert.rejects(bob.send(new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt' })), {
      name: 'AccessDenied',
    });
    await assert.rejects(bob.send(new PutObjectCommand({ Bucket: 'alice', Key: 'x', Body: 'x' })), {
      name: 'AccessDenied',
    });
    const wrong = client(hub, {
      accessKeyId: hub.services.identity.users.credentials('bob').accessKeyId,
      secretAccessKey: 'wrong',
    });
    await assert.rejects(wrong.send(new ListBucketsCommand({})), { name: 'SignatureDoesNotMatch' });
    const unknown = client(hub, { accessKeyId: 'AKIDONOTEXIST', secretAccessKey: 'x' });
    await assert.rejects(unknown.send(new ListBucketsCommand({})), { name: 'InvalidAccessKeyId' });
    const skewed = client(hub, hub.services.identity.users.credentials('bob'), {
      systemClockOffset: -20 * 60 * 1000,
    });
    await assert.rejects(skewed.send(new ListBucketsCommand({})), { name: 'RequestTimeTooSkewed' });
    for (const c of [wrong, unknown, skewed]) c.destroy();
  });

  it('serves presigned GET and PUT URLs to plain HTTP, and refuses expired ones', async () => {
    const getUrl = await getSignedUrl(
      alice,
      new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt' }),
      { expiresIn: 600 },
    );
    const r = await fetch(getUrl);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'hello world');
    const putUrl = await getSignedUrl(
      alice,
      new PutObjectCommand({ Bucket: 'alice', Key: 'presigned-put' }),
      { expiresIn: 600 },
    );
    assert.equal((await fetch(putUrl, { method: 'PUT', body: 'via url' })).status, 200);
    const old = await getSignedUrl(alice, new GetObjectCommand({ Bucket: 'alice', Key: 'dir/a b+c%.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600e3),
    });
    const expired = await fetch(old);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /<Code>AccessDenied<\/Code>/);
  });

  it('refuses writes past the quota with QuotaExceeded', async () => {
    await assert.rejects(
      bob.send(new PutObjectCommand({ Bucket: 'bob', Key: 'huge', Body: Buffer.alloc(65 * 1024 * 1024) })),
      (e: Error & { $metadata: { httpStatusCode: number } }) =>
        e.name === 'QuotaExceeded' && e.$metadata.httpStatusCode === 403,
    );
    const user = await (await hub.api('/hub/api/users/bob')).json();
    assert.deepEqual(user.storage, { home_bucket: 'bob', used_bytes: 0, quota_bytes: 64_000_000 });
  });
});
