/** TerraHub's S3 endpoint and signing service in front of the `azure` driver (Azurite as the backend). */
import { test } from 'node:test';
import { checkEndpointOverDriver } from './backend.testing.ts';
import { startAzurite } from './store/azurite.testing.ts';

test('the S3 endpoint and /api/sas/v1 work over the azure driver', async () => {
  const azurite = await startAzurite();
  await checkEndpointOverDriver(
    {
      'storage.driver': 'azure',
      'storage.azure.connectionString': azurite.connectionString,
      'storage.azure.container': 'hub',
    },
    () => azurite.stop(),
  );
});
