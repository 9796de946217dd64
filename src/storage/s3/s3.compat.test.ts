/**
 * S3 behaviours that Ceph's s3-tests found missing or different (docs/storage.md, "Compatibility"), each
 * checked here with the AWS SDK or plain HTTP so that they stay fixed without the s3-tests checkout.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../../testing/hub.ts';

describe('S3 compatibility found by s3-tests', () => {
  let hub: TestHub;
  let s3: S3Client;
  before(async () => {
    hub = await startTestHub();
    await hub.user('carol');
    s3 = new S3Client({
      endpoint: hub.s3Url!,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: hub.services.identity.users.credentials('carol'),
      maxAttempts: 1,
    });
  });
  after(async () => {
    s3.destroy();
    await hub.close();
  });

  it('deletes a bucket whose only content is an upload in progress, as AWS does', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'carol-mpu' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'carol-mpu', Key: 'k' }));
    await s3.send(
      new UploadPartCommand({ Bucket: 'carol-mpu', Key: 'k', UploadId, PartNumber: 1, Body: 'part' }),
    );
    await s3.send(new DeleteBucketCommand({ Bucket: 'carol-mpu' }));
    await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: 'carol-mpu' })), { name: 'NotFound' });
    assert.equal(await hub.services.storage.store.getUpload(UploadId!), null);
  });

  it('answers a retried Complete of a finished upload with the same result', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'carol', Key: 'm' }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'carol', Key: 'm', UploadId, PartNumber: 1, Body: 'one part' }),
    );
    const complete = () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'carol',
          Key: 'm',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
        }),
      );
    const first = await complete();
    assert.equal((await complete()).ETag, first.ETag);
    await assert.rejects(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'carol', Key: 'other', UploadId })),
      { name: 'NoSuchUpload' },
    );
  });

  it('lists the objects of an unversioned bucket as versions with the id null', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'carol-v' }));
    for (const k of ['a', 'b/c', 'b/d']) {
      await s3.send(new PutObjectCommand({ Bucket: 'carol-v', Key: k, Body: k }));
    }
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: 'carol-v', Delimiter: '/' }));
    assert.deepEqual(
      r.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size]),
      [['a', 'null', true, 1]],
    );
    assert.deepEqual(
      r.CommonPrefixes?.map((p) => p.Prefix),
      ['b/'],
    );
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: 'carol-v', MaxKeys: 2 }));
    assert.equal(page.IsTruncated, true);
    assert.equal(page.NextKeyMarker, 'b/c');
  });

  it('answers 304 with the ETag, and keeps a plain body whose Content-Encoding names aws-chunked', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'carol',
        Key: 'enc',
        Body: 'plain',
        ContentEncoding: 'gzip, aws-chunked',
      }),
    );
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'carol', Key: 'enc' }), {
      expiresIn: 60,
    });
    const r = await fetch(url, { headers: { 'if-none-match': put.ETag! } });
    assert.equal(r.status, 304);
    assert.equal(r.headers.get('etag'), put.ETag);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'carol', Key: 'enc' }));
    assert.equal(head.ContentEncoding, 'gzip');
    assert.equal(head.ContentLength, 5);
  });

  it('lists V1 with a raw Prefix and max-keys=0 untruncated', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'carol', Key: 'k1', Body: 'x' }));
    // Raw XML: the SDK's parser trims a Prefix of whitespace away.
    const nlUrl = await getSignedUrl(
      s3,
      new ListObjectsCommand({ Bucket: 'carol', Prefix: '\n', EncodingType: 'url' }),
      { expiresIn: 60 },
    );
    assert.match(await (await fetch(nlUrl)).text(), /<Prefix>\n<\/Prefix>/);
    const zero = await s3.send(new ListObjectsCommand({ Bucket: 'carol', MaxKeys: 0 }));
    assert.equal(zero.IsTruncated, false);
    assert.equal(zero.Contents, undefined);
  });

  it('refuses presigned URLs with an expiry out of range with 403, and preflights without an Origin', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'carol', Key: 'k1' }), {
      expiresIn: 60,
    });
    const zero = url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=0');
    assert.equal((await fetch(zero)).status, 403);
    assert.equal((await fetch(url, { method: 'OPTIONS' })).status, 400);
    const pre = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.org', 'access-control-request-method': 'GET' },
    });
    assert.equal(pre.status, 200);
  });

  it('accepts metadata beyond ASCII, signed as the SDK signs it, and returns it RFC 2047-encoded', async () => {
    // Node's HTTP client sends "é" as the one byte 0xE9 while the SDK signs its UTF-8 form.
    await s3.send(
      new PutObjectCommand({ Bucket: 'carol', Key: 'meta', Body: 'x', Metadata: { note: 'café' } }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'carol', Key: 'meta' }));
    assert.equal(head.Metadata?.['note'], '=?UTF-8?B?Y2Fmw6k=?=');
  });

  it('keeps the checksum the SDK sends by default and returns it with ChecksumMode ENABLED', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'carol', Key: 'sum', Body: 'checked' }));
    assert.ok(put.ChecksumCRC32, 'the SDK sent a CRC32 and TerraHub echoed it');
    const plain = await s3.send(new HeadObjectCommand({ Bucket: 'carol', Key: 'sum' }));
    assert.equal(plain.ChecksumCRC32, undefined);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'carol', Key: 'sum', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ChecksumCRC32, put.ChecksumCRC32);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'carol', Key: 'sum', ChecksumMode: 'ENABLED' }));
    assert.equal(await got.Body!.transformToString(), 'checked'); // the SDK validates the checksum as it reads
  });

  it('answers a copy onto itself without REPLACE with InvalidRequest, and accepts an empty Content-Type', async () => {
    await assert.rejects(
      s3.send(new CopyObjectCommand({ Bucket: 'carol', Key: 'k1', CopySource: 'carol/k1' })),
      { name: 'InvalidRequest' },
    );
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'carol', Key: 'ct' }), {
      expiresIn: 60,
    });
    const r = await fetch(putUrl, { method: 'PUT', body: 'body', headers: { 'content-type': '' } });
    assert.equal(r.status, 200, await r.text());
  });
});
