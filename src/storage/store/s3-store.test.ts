/**
 * The `s3` driver through the ObjectStore contract, against a real S3 implementation started here: moto's
 * server (from the test venv that scripts/setup-test-env.sh makes).
 */
import { runObjectStoreContract } from './contract.ts';
import { startMoto } from './moto.testing.ts';
import { S3ObjectStore } from './s3-store.ts';

runObjectStoreContract('s3 (moto server)', async () => {
  const moto = await startMoto();
  const store = new S3ObjectStore(moto.config, moto.bucket);
  return {
    store,
    async cleanup() {
      await store.close();
      moto.stop();
    },
  };
});
