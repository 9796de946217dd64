/** TerraHub's S3 endpoint and signing service in front of the `s3` driver (moto as the backend). */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestHub } from '../testing/hub.ts';
import { startMoto } from './store/moto.testing.ts';

test('the S3 endpoint and /api/sas/v1 work over the s3 driver', async () => {
  const moto = await startMoto();
  const hub = await startTestHub({
    'storage.driver': 's3',
    'storage.s3.endpoint': moto.endpoint,
    'storage.s3.bucket': moto.bucket,
    'storage.s3.accessKeyId': 'testing',
    'storage.s3.secretAccessKey': 'testing',
  }).catch((e: unknown) => {
    moto.stop();
    throw e;
  });
  try {
    const token = await hub.user('gina');
    const s3 = new S3Client({
      endpoint: hub.s3Url!,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: hub.services.identity.users.credentials('gina'),
    });
    await s3.send(
      new PutObjectCommand({ Bucket: 'gina', Key: 'a/small.txt', Body: 'small', Metadata: { k: 'v' } }),
    );
    const big = Buffer.alloc(6 * 1024 * 1024, 9);
    await new Upload({ client: s3, params: { Bucket: 'gina', Key: 'a/big.bin', Body: big } }).done();
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'gina', Key: 'a/small.txt', Range: 'bytes=1-3' }),
    );
    assert.equal(await got.Body!.transformToString(), 'mal');
    assert.deepEqual(got.Metadata, { k: 'v' });
    const back = await s3.send(new GetObjectCommand({ Bucket: 'gina', Key: 'a/big.bin' }));
    assert.ok(Buffer.from(await back.Body!.transformToByteArray()).equals(big));
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'gina', Delimiter: '/' }));
    assert.deepEqual(
      list.CommonPrefixes?.map((p) => p.Prefix),
      ['a/'],
    );
    const r = await hub.api(`/api/sas/v1/sign?href=${encodeURIComponent('s3://gina/a/small.txt')}`, {
      token,
    });
    const { href } = (await r.json()) as { href: string };
    assert.equal(await (await fetch(href)).text(), 'small');
    s3.destroy();
  } finally {
    await hub.close();
    moto.stop();
  }
});
