/** TerraHub's S3 endpoint and signing service in front of the `s3` driver (moto as the backend). */
import { test } from 'node:test';
import { checkEndpointOverDriver } from './backend.testing.ts';
import { startMoto } from './store/moto.testing.ts';

test('the S3 endpoint and /api/sas/v1 work over the s3 driver', async () => {
  const moto = await startMoto();
  await checkEndpointOverDriver(
    {
      'storage.driver': 's3',
      'storage.s3.endpoint': moto.endpoint,
      'storage.s3.bucket': moto.bucket,
      'storage.s3.accessKeyId': 'testing',
      'storage.s3.secretAccessKey': 'testing',
    },
    () => moto.stop(),
  );
});
