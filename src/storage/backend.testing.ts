/**
 * What every scale-out driver must keep working in front of it: TerraHub's S3 endpoint (AWS SDK put, a
 * multipart Upload, ranged GET with metadata, a delimited list) and a presigned GET from /api/sas/v1.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import assert from 'node:assert/strict';
import type { ConfigKey } from '../core/config/keys.ts';
import { startTestHub } from '../testing/hub.ts';

export async function checkEndpointOverDriver(
  overrides: Partial<Record<ConfigKey, unknown>>,
  stopBackend: () => void,
): Promise<void> {
  const hub = await startTestHub(overrides).catch((e: unknown) => {
    stopBackend();
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
    stopBackend();
  }
}
